import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@app/contracts';
import { KvService } from '../kv/kv.service';

export interface StoredFile {
  /** the content, base64 */
  data: string;
  size: number;
  updatedAt: string;
}

export interface FileInfo {
  name: string;
  size: number;
  updatedAt: string;
}

const NAME = /^[^/\\\u0000]{1,255}$/;
/** largest file kept in the cluster (values travel in single messages) */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Files kept in the cluster: the `files` namespace, replicated like keys, ordered by the leader. */
@Injectable()
export class FilesService {
  constructor(private readonly kv: KvService) {}

  static validName(name: string): string {
    const n = name.replace(/^\/+/, '');
    if (!NAME.test(n) || n === '.' || n === '..') throw new DomainError(ErrorCode.VALIDATION_FAILED, `bad file name ${JSON.stringify(name)}`);
    return n;
  }

  async put(name: string, data: Buffer): Promise<void> {
    if (data.length > MAX_FILE_BYTES) throw new DomainError(ErrorCode.VALIDATION_FAILED, `files are limited to ${MAX_FILE_BYTES} bytes`);
    const value: StoredFile = { data: data.toString('base64'), size: data.length, updatedAt: new Date().toISOString() };
    await this.kv.execute({ op: 'put', ns: 'files', key: FilesService.validName(name), value });
  }

  async get(name: string): Promise<{ data: Buffer; info: FileInfo }> {
    const key = FilesService.validName(name);
    const r = await this.kv.execute({ op: 'get', ns: 'files', key });
    if (!('found' in r) || !r.found) throw new DomainError(ErrorCode.NOT_FOUND, `no file named ${JSON.stringify(key)}`);
    const f = r.value as StoredFile;
    return { data: Buffer.from(f.data, 'base64'), info: { name: key, size: f.size, updatedAt: f.updatedAt } };
  }

  async list(): Promise<FileInfo[]> {
    const r = await this.kv.execute({ op: 'scan', ns: 'files' });
    return ('entries' in r ? r.entries : []).map((e) => {
      const f = e.value as StoredFile;
      return { name: e.key, size: f.size, updatedAt: f.updatedAt };
    });
  }

  async delete(name: string): Promise<boolean> {
    const r = await this.kv.execute({ op: 'delete', ns: 'files', key: FilesService.validName(name) });
    return 'existed' in r && !!r.existed;
  }
}
