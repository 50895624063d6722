/** A BFB file server for tests and demos: real HTTP, generated content, injected faults. */
export { startBfbServer } from './server';
export type { BfbFileSpec, BfbRequestRecord, BfbServer, BfbServerOptions } from './server';
export { generatedContent, bufferContent, sha256Of } from './content';
export type { ContentSource } from './content';
export { parseRange } from './range';
export type { RangeAnswer } from './range';
