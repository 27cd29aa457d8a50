/**
 * ORACLE_FUNCTIONS_BACKEND. Placeholder until issue #5 lands: the schema rejects this backend type
 * before this is reached.
 */
import type { FunctionBackendConfig } from '../config/types.ts';
import type { FunctionCatalog } from '../functions/compile.ts';
import type { Backend, CompileContext } from '../types.ts';

export function createFunctionBackend(
  _config: FunctionBackendConfig,
  path: string,
  ctx: CompileContext,
  _catalog: FunctionCatalog,
): Backend | null {
  ctx.issue(`${path}.type`, 'not supported yet');
  return null;
}
