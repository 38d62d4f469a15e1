import { pathToFileURL } from 'node:url';
import { StartupError, type FunctionModule } from '@typedcluster/core';

const CONTRACT_HINT = 'export setup(runtime) and createHandler(deps) from the handler, as core/src/function/function-types.ts describes';

/** Imports the function module and checks it has the contract's exports. */
export async function loadFunctionModule(handlerPath: string): Promise<FunctionModule<unknown>> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(handlerPath).href)) as Record<string, unknown>;
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new StartupError('CONFIG_INVALID', `cannot load handler ${handlerPath}: ${reason}`, 'set HANDLER_PATH to the function\'s handler.ts or handler.js');
  }
  const { setup, createHandler, teardown, info } = mod;
  if (typeof setup !== 'function' || typeof createHandler !== 'function') {
    throw new StartupError('CONFIG_INVALID', `${handlerPath} does not export setup() and createHandler()`, CONTRACT_HINT);
  }
  if (teardown !== undefined && typeof teardown !== 'function') {
    throw new StartupError('CONFIG_INVALID', `${handlerPath} exports a teardown that is not a function`, CONTRACT_HINT);
  }
  if (info !== undefined && typeof info !== 'function') {
    throw new StartupError('CONFIG_INVALID', `${handlerPath} exports an info that is not a function`, CONTRACT_HINT);
  }
  return mod as unknown as FunctionModule<unknown>;
}
