/**
 * The CompileContext a compilation reports into (issue 11): problems and warnings are collected,
 * each named where its author wrote it (`specs/hello.json: routes[0].backend.url` for a
 * specificationFile, in that file's spelling) through the loaded configuration's `sourcePath`.
 */
import type { DocumentFetcher } from '../auth/jwks/http_fetch.ts';
import type { Logger } from '../lib/log.ts';
import type { SharedRegistry } from '../lib/shared_registry.ts';
import type { CompileContext } from '../types.ts';
import type { SharedStore } from '../state/types.ts';
import type { LoadedConfig } from './load.ts';

export interface CompileOptions {
  offline?: boolean;
  fetchDocument?: DocumentFetcher;
  localStore?: () => SharedStore;
}

/** A fresh context for compiling `loaded`; read `issues` and `warnings` once it is done. */
export function createCompileContext(
  loaded: LoadedConfig,
  registry: SharedRegistry,
  log: Logger,
  opts: CompileOptions = {},
): CompileContext {
  const issues: CompileContext['issues'] = [];
  const warnings: CompileContext['warnings'] = [];
  return {
    registry,
    log,
    baseDir: loaded.baseDir,
    issues,
    issue: (path, message) => void issues.push({ path: loaded.sourcePath(path), message }),
    warnings,
    warn: (path, message) => void warnings.push({ path: loaded.sourcePath(path), message }),
    offline: opts.offline === true,
    ...(opts.fetchDocument !== undefined ? { fetchDocument: opts.fetchDocument } : {}),
    ...(opts.localStore !== undefined ? { localStore: opts.localStore } : {}),
  };
}
