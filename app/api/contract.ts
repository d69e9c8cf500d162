// The one API contract between the dashboard and whatever serves it: the
// Electron main process (over IPC) and `berth ui` (over a WebSocket). Both
// transports carry exactly the messages defined here; the method and stream
// tables give every name its params, its result and the JSON schema its params
// are validated against on the serving side.
//
// This is the contract's single entry point: the renderer imports types from here
// only. Its parts, one job each, are in contract/; they must stay free of Node
// imports (browser code) and take only `import type` from the core.
export * from './contract/errors';
export * from './contract/machine';
export * from './contract/engine';
export * from './contract/tables';
export * from './contract/schemas';
export * from './contract/wire';
