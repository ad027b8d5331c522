import {compileIdQuery, type LabelQuery, type ResourceQuery} from './queries.js';

/** WatchPlan is a decoded WatchRequest: what to send before the live events, and which events to send. */
export interface WatchPlan {
  readonly namespace: string;
  readonly type: string;
  /** Set for a watch of one resource. */
  readonly id?: string;
  readonly bootstrap: boolean;
  readonly tail: number;
  /** The position after which events are sent again (a bookmark's). */
  readonly fromPosition?: number;
  readonly bootstrapBookmark: boolean;
  readonly aggregated: boolean;
  readonly query: ResourceQuery;
  /** 0: CREATED, UPDATED, DESTROYED only; 1: BOOTSTRAPPED and ERRORED too. */
  readonly apiVersion: number;
}

/** WatchRequestError is a request the agent refuses, with the gRPC status it gets. */
export class WatchRequestError extends Error {
  constructor(
    readonly code: 'INVALID_ARGUMENT' | 'UNIMPLEMENTED' | 'FAILED_PRECONDITION',
    message: string,
  ) {
    super(message);
  }
}

/** labelQueries decodes ListOptions' or WatchOptions' label queries (plain objects from protobufjs). */
export function labelQueries(value: unknown): LabelQuery[] {
  return ((value as Array<{terms?: unknown[]}> | undefined) ?? []).map((q) => ({
    terms: ((q.terms ?? []) as Array<Record<string, unknown>>).map((t) => ({
      key: String(t['key'] ?? ''),
      op: (t['op'] ?? 'EXISTS') as LabelQuery['terms'][number]['op'],
      value: ((t['value'] as unknown[] | undefined) ?? []).map(String),
      invert: t['invert'] === true,
    })),
  }));
}

/** idQueryOf compiles ListOptions' or WatchOptions' id query; a bad pattern is INVALID_ARGUMENT. */
export function idQueryOf(options: Record<string, unknown> | undefined): {id?: RegExp} {
  try {
    const id = compileIdQuery(String((options?.['id_query'] as Record<string, unknown> | null)?.['regexp'] ?? ''));
    return id ? {id} : {};
  } catch (cause) {
    throw new WatchRequestError('INVALID_ARGUMENT', (cause as Error).message);
  }
}

/** encodeBookmark and decodeBookmark: a bookmark is a position in the kind's history, 8 bytes big-endian. */
export function encodeBookmark(position: number): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(position));
  return buffer;
}

function decodeBookmark(bytes: Uint8Array): number {
  if (bytes.length !== 8) throw new WatchRequestError('FAILED_PRECONDITION', 'invalid watch bookmark');
  return Number(Buffer.from(bytes).readBigInt64BE());
}

/** parseWatchRequest checks a WatchRequest as cosi-project/runtime's server does (the same refusals). */
export function parseWatchRequest(request: Record<string, unknown>): WatchPlan {
  const options = (request['options'] ?? {}) as Record<string, unknown>;
  const hasId = request['_id'] === 'id';
  const tail = Math.max(0, Number(options['tail_events'] ?? 0));
  const bookmark =
    options['_start_from_bookmark'] === 'start_from_bookmark'
      ? (options['start_from_bookmark'] as Uint8Array)
      : undefined;
  const bootstrap = options['bootstrap_contents'] === true;
  const labels = labelQueries(options['label_query']);
  if (tail > 0 && bookmark)
    throw new WatchRequestError('INVALID_ARGUMENT', 'cannot use both TailEvents and StartFromBookmark options');
  if (hasId && bootstrap)
    throw new WatchRequestError('UNIMPLEMENTED', 'bootstrap contents is not implemented for resource watch');
  if (hasId && labels.length > 0)
    throw new WatchRequestError('UNIMPLEMENTED', 'label query is not implemented for resource watch');
  if (bootstrap && (tail > 0 || bookmark))
    throw new WatchRequestError(
      'INVALID_ARGUMENT',
      'cannot use BootstrapContents with TailEvents and StartFromBookmark options',
    );
  return {
    namespace: String(request['namespace'] ?? ''),
    type: String(request['type'] ?? ''),
    ...(hasId ? {id: String(request['id'])} : {}),
    bootstrap,
    tail,
    ...(bookmark ? {fromPosition: decodeBookmark(bookmark)} : {}),
    bootstrapBookmark: options['bootstrap_bookmark'] === true,
    aggregated: options['aggregated'] === true,
    query: {labels, ...idQueryOf(options)},
    apiVersion: Number(request['api_version'] ?? 0),
  };
}
