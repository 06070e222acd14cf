import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, LOGGER, type LoadedConfig } from '@app/cluster';
import { FileSystem, FtpSrv } from 'ftp-srv';
import { PassThrough, Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { KvEnv } from '../config/kv.config';
import { FilesService, MAX_FILE_BYTES } from './files.service';

/** What FTP clients see: one flat directory of the files kept in the cluster. */
class ClusterFileSystem extends FileSystem {
  constructor(connection: ConstructorParameters<typeof FileSystem>[0], private readonly files: FilesService) {
    super(connection, { root: '/', cwd: '/' });
  }

  override currentDirectory(): string {
    return '/';
  }

  override async get(fileName: string): Promise<unknown> {
    if (fileName === '.' || fileName === '/' || fileName === '') return dirStat('/');
    const { info } = await this.files.get(fileName);
    return fileStat(info.name, info.size, info.updatedAt);
  }

  override async list(): Promise<unknown[]> {
    return (await this.files.list()).map((f) => fileStat(f.name, f.size, f.updatedAt));
  }

  override async chdir(path = '.'): Promise<string> {
    if (path === '/' || path === '.' || path === '') return '/';
    throw new Error('this server has one directory');
  }

  override write(fileName: string): { stream: Writable; clientPath: string } {
    const chunks: Buffer[] = [];
    let size = 0;
    const files = this.files;
    // 'finish' (which the server waits for before it answers 226) comes only once the cluster holds the file
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > MAX_FILE_BYTES) return cb(new Error(`files are limited to ${MAX_FILE_BYTES} bytes`));
        chunks.push(chunk);
        cb();
      },
      final(cb) {
        files.put(fileName, Buffer.concat(chunks)).then(() => cb(), (err: Error) => cb(err));
      },
    });
    return { stream, clientPath: `/${FilesService.validName(fileName)}` };
  }

  override async read(fileName: string): Promise<{ stream: Readable; clientPath: string }> {
    const { data, info } = await this.files.get(fileName);
    const stream = new PassThrough();
    stream.end(data);
    return { stream, clientPath: `/${info.name}` };
  }

  override async delete(path: string): Promise<void> {
    if (!(await this.files.delete(path))) throw new Error('no such file');
  }

  override async rename(from: string, to: string): Promise<void> {
    const { data } = await this.files.get(from);
    await this.files.put(to, data);
    await this.files.delete(from);
  }

  override async mkdir(): Promise<never> {
    throw new Error('this server has one directory');
  }

  override async chmod(): Promise<void> {
    /* files have no modes here */
  }
}

function fileStat(name: string, size: number, updatedAt: string) {
  const mtime = new Date(updatedAt);
  return { name, size, mtime, atime: mtime, ctime: mtime, mode: 0o100644, uid: 0, gid: 0, isDirectory: () => false };
}

function dirStat(name: string) {
  const t = new Date(0);
  return { name, size: 0, mtime: t, atime: t, ctime: t, mode: 0o40755, uid: 0, gid: 0, isDirectory: () => true };
}

/**
 * The FTP server of this node (ftp-srv), on the topology's `ftp` port: files uploaded through any node
 * are kept in the cluster (replicated like keys) and can be downloaded from any node, or over HTTP at
 * GET /files/:name. Anonymous login. Passive data connections use ports just above the FTP port.
 */
@Injectable()
export class FtpService implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: FtpSrv | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: LoadedConfig<KvEnv>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly files: FilesService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { self } = this.config;
    if (!self.ftp) return;
    const bind = self.bind ?? self.host;
    this.server = new FtpSrv({
      url: `ftp://${bind}:${self.ftp}`,
      pasv_url: self.host,
      pasv_min: Math.min(self.ftp + 1, 65535),
      pasv_max: Math.min(self.ftp + 200, 65535),
      anonymous: true,
      greeting: [`Bazaar kv-node ${self.id}: files kept in the cluster`],
      log: silentLog() as never,
    });
    this.server.on('login', (data: { connection: ConstructorParameters<typeof FileSystem>[0] }, resolve: (r: { fs: FileSystem }) => void) => {
      resolve({ fs: new ClusterFileSystem(data.connection, this.files) });
    });
    this.server.on('client-error', ({ error }: { error: Error }) => this.logger.warn({ err: error?.message }, 'ftp client error'));
    await this.server.listen();
    this.logger.info({ ftp: self.ftp }, 'ftp server listening');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close().catch(() => undefined);
  }
}

/** ftp-srv logs through bunyan; its own log lines are not wanted in the JSON log. */
function silentLog() {
  const noop = () => undefined;
  const log: Record<string, unknown> = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, fatal: noop };
  log.child = () => log;
  return log;
}
