/** The dashboard: one page, no build step; uPlot for the charts; server-sent events for updates. */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bazaar — live cluster</title>
<link rel="stylesheet" href="/dashboard/assets/uplot.css">
<style>
 body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
 header{background:#1d2330;color:#fff;padding:.7em 1.2em;display:flex;gap:1em;align-items:baseline}
 header h1{font-size:1.2em;margin:0} #conn{font-size:.85em;opacity:.8}
 main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1em;padding:1em}
 section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:.8em 1em}
 h2{font-size:1em;margin:.2em 0 .6em}
 .services{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:.8em}
 .svc h3{font-size:.9em;margin:0 0 .3em;text-transform:uppercase;letter-spacing:.04em;color:#56607a}
 table{border-collapse:collapse;width:100%} td{padding:.15em .3em;border-bottom:1px solid #eef0f3;font-size:.9em}
 .dot{display:inline-block;width:.7em;height:.7em;border-radius:50%} .up{background:#1a9c55} .down{background:#d23c3c}
 .role{font-weight:600} .role.leader,.role.primary{color:#7a3ee0} .role.deposed{color:#d23c3c}
 .figs{display:grid;grid-template-columns:repeat(5,1fr);gap:.5em;margin-bottom:.6em}
 .fig{background:#f6f7f9;border-radius:4px;padding:.4em;text-align:center} .fig b{display:block;font-size:1.3em}
 #events{max-height:26em;overflow:auto;font-size:.85em}
 #events div{display:grid;grid-template-columns:6.5em 11em 1fr;gap:.4em;padding:.2em 0;border-bottom:1px solid #eef0f3}
 #events .k{color:#56607a;overflow:hidden;text-overflow:ellipsis;white-space:nowrap} #events time{color:#8a93a6}
 .kv{display:grid;grid-template-columns:repeat(16,1fr);gap:2px;font-size:.7em}
 .kv span{background:#eef0f3;border-radius:2px;text-align:center;padding:2px 0}
 .kv span.h{background:#c9b6f5}
 input{padding:.3em;border:1px solid #c5cad3;border-radius:4px}
</style></head>
<body>
<header><h1>Bazaar — live cluster</h1><span id="conn">connecting…</span></header>
<main>
 <div>
  <section><h2>Instances</h2><div class="services" id="services"></div></section>
  <section style="margin-top:1em"><h2>Live figures (this gateway)</h2>
   <div class="figs">
    <div class="fig">requests/s<b id="f-rps">–</b></div><div class="fig">p99<b id="f-p99">–</b></div>
    <div class="fig">cache hits<b id="f-hit">–</b></div><div class="fig">replication lag<b id="f-lag">–</b></div>
    <div class="fig">hints pending<b id="f-hints">–</b></div>
   </div>
   <div id="chart1"></div><div id="chart2"></div>
  </section>
 </div>
 <div>
  <section><h2>Cluster events</h2><div id="events"></div></section>
  <section style="margin-top:1em"><h2>kv placement</h2>
   <div style="margin-bottom:.4em">kv-node <select id="kvnode"></select> holds the highlighted partitions (of <span id="kvp"></span>, replicated <span id="kvrf"></span>×)</div>
   <div class="kv" id="kvgrid"></div>
  </section>
  <section style="margin-top:1em"><h2>Cart placement</h2>
   <form id="cartf"><input id="cartkey" placeholder="alice@example.com or Tux" data-testid="cart-key" size="28"> <button>where?</button></form>
   <p id="cartres"></p>
  </section>
 </div>
</main>
<script src="/dashboard/assets/uplot.js"></script>
<script>
const $=(id)=>document.getElementById(id);
const esc=(s)=>String(s??'').replace(/[&<>"]/g,(c)=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const term=(t)=>t?(t.counter+(t.electorId?'.'+t.electorId:'')):'';
function renderServices(groups){
  const order=['gateway','catalog','order','recovery','kv-node','cart-gateway'];
  $('services').innerHTML=Object.keys(groups).sort((a,b)=>order.indexOf(a)-order.indexOf(b)).map((app)=>
   '<div class="svc" data-testid="service-'+esc(app)+'"><h3>'+esc(app)+'</h3><table>'+groups[app].map((s)=>
    '<tr data-testid="instance-'+esc(s.app)+'-'+s.id+'" data-role="'+esc(s.role)+'" data-healthy="'+s.healthy+'">'+
    '<td><span class="dot '+(s.healthy?'up':'down')+'"></span> #'+s.id+'</td>'+
    '<td class="role '+esc(String(s.role).split(' ')[0])+(String(s.role).includes('deposed')?' deposed':'')+'">'+esc(s.role)+'</td>'+
    '<td>'+esc(term(s.term))+'</td><td><a href="'+esc(s.http)+'/docs">'+esc((s.http||'').replace('http://',''))+'</a></td></tr>').join('')+'</table></div>').join('');
}
function addEvents(evs){
  const box=$('events');
  for(const e of evs){const d=document.createElement('div');d.dataset.kind=e.kind;
   d.innerHTML='<time>'+new Date(e.at).toLocaleTimeString()+'</time><span class="k" title="'+esc(e.kind)+'">'+esc(e.kind)+'</span><span>'+esc(e.message)+' <small>('+esc(e.source)+')</small></span>';
   box.prepend(d);}
  while(box.children.length>300)box.lastChild.remove();
}
const series={t:[],rps:[],p99:[],hit:[],hints:[],lag:[]};
let c1,c2;
function charts(){
  const w=Math.max(320,$('chart1').parentElement.clientWidth-30);
  c1=new uPlot({width:w,height:150,series:[{},{label:'requests/s',stroke:'#7a3ee0'},{label:'p99 ms',stroke:'#d2703c',scale:'ms'}],axes:[{},{},{side:1,scale:'ms'}]},[[],[],[]],$('chart1'));
  c2=new uPlot({width:w,height:150,series:[{},{label:'cache hit %',stroke:'#1a9c55'},{label:'hints pending',stroke:'#d23c3c',scale:'n'},{label:'replication lag',stroke:'#3c7ad2',scale:'n'}],axes:[{},{},{side:1,scale:'n'}]},[[],[],[],[]],$('chart2'));
}
function addFigure(f){
  series.t.push(Date.parse(f.at)/1000);series.rps.push(f.requestsPerSecond);series.p99.push(f.p99Ms);
  series.hit.push(f.cacheHitRatio==null?null:Math.round(f.cacheHitRatio*1000)/10);series.hints.push(f.hintsPending);series.lag.push(f.replicationLag);
  for(const k in series)if(series[k].length>120)series[k].shift();
  $('f-rps').textContent=f.requestsPerSecond;$('f-p99').textContent=f.p99Ms==null?'–':f.p99Ms+' ms';
  $('f-hit').textContent=f.cacheHitRatio==null?'–':Math.round(f.cacheHitRatio*100)+' %';
  $('f-lag').textContent=f.replicationLag;$('f-hints').textContent=f.hintsPending==null?'–':f.hintsPending;
  if(c1){c1.setData([series.t,series.rps,series.p99]);c2.setData([series.t,series.hit,series.hints,series.lag]);}
}
let kv=null;
function renderKv(){
  if(!kv)return;const n=Number($('kvnode').value);
  $('kvgrid').innerHTML=kv.placement.map((nodes,p)=>'<span class="'+(nodes.includes(n)?'h':'')+'" title="partition '+p+': kv-nodes '+nodes.join(', ')+'">'+p+'</span>').join('');
}
async function start(){
  charts();
  const s=await (await fetch('/dashboard/state')).json();
  renderServices(s.services);addEvents(s.events);for(const f of s.figures)addFigure(f);
  kv=await (await fetch('/dashboard/placement/kv')).json();
  $('kvp').textContent=kv.partitions;$('kvrf').textContent=kv.replicationFactor;
  $('kvnode').innerHTML=kv.nodes.map((n)=>'<option>'+n+'</option>').join('');$('kvnode').onchange=renderKv;renderKv();
  const es=new EventSource('/dashboard/stream');
  es.onopen=()=>{$('conn').textContent='live';};
  es.onerror=()=>{$('conn').textContent='reconnecting…';};
  es.onmessage=(m)=>{const d=JSON.parse(m.data);renderServices(d.services);addEvents(d.events);addFigure(d.figures);};
}
$('cartf').onsubmit=async(e)=>{e.preventDefault();const k=$('cartkey').value.trim();if(!k)return;
  const r=await (await fetch('/dashboard/placement/cart?key='+encodeURIComponent(k))).json();
  $('cartres').textContent=r.key?r.key+' lives on kv-nodes '+r.nodes.join(', ')+' (the first coordinates its adds)'+(r.down.length?'; down now: '+r.down.join(', ')+' (its writes go to the next members with hints)':''):(r.message||'?');};
start();
</script></body></html>`;
