export const GATEWAY = {
  INVALIDATE: 'gateway.invalidate',
} as const;

/** Pushed by the catalog primary after each write; the gateway drops older cached versions. */
export interface InvalidateRequest {
  items: { id: number; version: number }[];
  rid?: string;
}

export interface InvalidateReply {
  ok: true;
}
