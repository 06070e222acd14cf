import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Put, Query, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DomainError, ErrorCode, type KvOpReply } from '@app/contracts';
import type { FastifyReply } from 'fastify';
import { KvService } from '../kv/kv.service';
import { MembershipService } from '../membership/membership.service';
import { KvErrorsFilter } from './kv-errors.filter';

const bad = (m: string) => new DomainError(ErrorCode.VALIDATION_FAILED, m);
const notFound = () => new DomainError(ErrorCode.NOT_FOUND, 'Key Not Found');
const SUCCESS = { success: true };

/** Any JSON value as the body, serialised as JSON (a string value stays a JSON string). */
function sendJson(reply: FastifyReply, value: unknown): void {
  void reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(value));
}

/** The KV Datastore routes (CONTRACTS.md, kv-node): any node; the leader orders every operation. */
@ApiTags('kv')
@Controller()
@UseFilters(KvErrorsFilter)
export class KvHttpController {
  constructor(private readonly kv: KvService, private readonly members: MembershipService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Store every key of a JSON object' })
  @ApiBody({ schema: { type: 'object', example: { color: 'blue', size: 3 } } })
  @ApiResponse({ status: 200, description: '{"success": true}' })
  @ApiResponse({ status: 400, description: 'not a JSON object with at least one key' })
  async putMany(@Body() body: unknown) {
    if (!body || typeof body !== 'object' || Array.isArray(body) || !Object.keys(body).length) throw bad('the body must be a JSON object with at least one key');
    const entries = Object.entries(body as Record<string, unknown>);
    if (entries.some(([, v]) => v === undefined)) throw bad('values must be JSON');
    await Promise.all(entries.map(([key, value]) => this.kv.execute({ op: 'put', ns: 'default', key, value })));
    return SUCCESS;
  }

  @Get()
  @ApiOperation({ summary: 'GET /?key=K: one value (ordered by the leader; &stale=1 lets any replica answer); GET /: the whole store' })
  @ApiQuery({ name: 'key', required: false })
  @ApiQuery({ name: 'stale', required: false, description: '1: any replica holding the key answers (may lag the leader)' })
  @ApiResponse({ status: 200, description: 'the value, or the whole store as one object' })
  @ApiResponse({ status: 404, description: '{"Error":"Key Not Found"}' })
  async get(@Query('key') key: string | string[] | undefined, @Query('stale') stale: string | undefined, @Res() reply: FastifyReply) {
    if (key === undefined) {
      const r = await this.kv.execute({ op: 'scan', ns: 'default' });
      return sendJson(reply, Object.fromEntries(('entries' in r ? r.entries : []).map((e) => [e.key, e.value])));
    }
    sendJson(reply, await this.value(key, stale === '1' || stale === 'true'));
  }

  @Delete()
  @ApiOperation({ summary: 'DELETE /?key=K' })
  @ApiQuery({ name: 'key', required: true })
  @ApiResponse({ status: 200, description: '{"success": true}' })
  @ApiResponse({ status: 404, description: '{"Error":"Key Not Found"}' })
  async remove(@Query('key') key: string | string[] | undefined) {
    return this.delete(single(key));
  }

  @Put('kv/:key')
  @ApiOperation({ summary: 'Store one key; the body is its JSON value' })
  @ApiResponse({ status: 200, description: '{"success": true}' })
  async putOne(@Param('key') key: string, @Body() value: unknown) {
    if (value === undefined) throw bad('the body must be a JSON value');
    await this.kv.execute({ op: 'put', ns: 'default', key, value });
    return SUCCESS;
  }

  @Get('kv/:key')
  @ApiOperation({ summary: 'One value' })
  @ApiQuery({ name: 'stale', required: false })
  @ApiResponse({ status: 200, description: 'the value' })
  @ApiResponse({ status: 404, description: '{"Error":"Key Not Found"}' })
  async getOne(@Param('key') key: string, @Query('stale') stale: string | undefined, @Res() reply: FastifyReply) {
    sendJson(reply, await this.value(key, stale === '1' || stale === 'true'));
  }

  @Delete('kv/:key')
  @ApiOperation({ summary: 'Delete one key' })
  @ApiResponse({ status: 200, description: '{"success": true}' })
  @ApiResponse({ status: 404, description: '{"Error":"Key Not Found"}' })
  deleteOne(@Param('key') key: string) {
    return this.delete(key);
  }

  @Get('cluster')
  @ApiOperation({ summary: "This node's view: leader, term and members with their health" })
  cluster() {
    return {
      leader: this.members.currentLeader(), term: this.members.currentTerm(),
      members: this.members.members().map(({ id, role, healthy, http }) => ({ id, role, healthy, http })),
    };
  }

  @Get('client')
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiOperation({ summary: 'A page that shows every change in the cluster live and lets a person put and delete keys' })
  client(): string {
    return CLIENT_PAGE;
  }

  private async value(key: string | string[] | undefined, stale: boolean): Promise<unknown> {
    const r: KvOpReply = await this.kv.execute({ op: 'get', ns: 'default', key: single(key) }, { stale });
    if (!('found' in r) || !r.found) throw notFound();
    return r.value;
  }

  private async delete(key: string) {
    const r = await this.kv.execute({ op: 'delete', ns: 'default', key });
    if ('existed' in r && !r.existed) throw notFound();
    return SUCCESS;
  }
}

function single(key: string | string[] | undefined): string {
  if (typeof key !== 'string' || !key) throw bad('key must be given once, non-empty: ?key=K');
  return key;
}

const CLIENT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bazaar kv — live</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}
#feed{font-family:monospace;max-height:30em;overflow:auto;border:1px solid #ddd;padding:.5em}.put{color:#064}.delete{color:#a00}</style></head>
<body><h1>Bazaar key-value datastore</h1>
<p id="status">connecting…</p>
<form id="f"><input id="k" placeholder="key" required> <input id="v" placeholder='value (JSON, e.g. "blue" or 3)'>
<button data-op="put">put</button> <button data-op="delete">delete</button></form>
<h2>Live changes (any node)</h2><div id="feed"></div>
<script>
const feed=document.getElementById('feed'),st=document.getElementById('status');
function connect(){const ws=new WebSocket((location.protocol==='https:'?'wss://':'ws://')+location.host+'/ws');
ws.onopen=()=>st.textContent='connected to '+location.host;
ws.onclose=()=>{st.textContent='disconnected; retrying';setTimeout(connect,1000)};
ws.onmessage=(m)=>{const e=JSON.parse(m.data);const d=document.createElement('div');d.className=e.op;
d.textContent=new Date().toLocaleTimeString()+'  '+e.op+'  '+e.key+(e.op==='put'?'  =  '+JSON.stringify(e.value):'');feed.prepend(d)};}
connect();
let op='put';document.querySelectorAll('button').forEach(b=>b.onclick=()=>op=b.dataset.op);
document.getElementById('f').onsubmit=async(ev)=>{ev.preventDefault();const k=encodeURIComponent(document.getElementById('k').value);
let body=document.getElementById('v').value;try{JSON.parse(body)}catch{body=JSON.stringify(body)}
const r=await fetch('/kv/'+k,op==='put'?{method:'PUT',headers:{'content-type':'application/json'},body}:{method:'DELETE'});
if(!r.ok)st.textContent=op+' failed: '+(await r.text());};
</script></body></html>`;
