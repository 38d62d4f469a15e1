/** The parts of a faas-cli stack.yml the one-box gateway reads. */
export interface FunctionResources {
  readonly memory?: string;
  readonly cpu?: string;
}

export interface StackFunction {
  readonly name: string;
  readonly lang: string;
  /** As written in stack.yml, e.g. `./functions/ingest-binary`. */
  readonly handler: string;
  /** Absolute folder of the handler. */
  readonly handlerDir: string;
  /** Absolute path of the module the bootstrap loads (`handler.ts`, else `handler.js`). */
  readonly handlerPath: string;
  readonly image: string;
  /** `environment_file` entries merged, then `environment` on top. */
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly limits?: FunctionResources;
  readonly requests?: FunctionResources;
  readonly buildArgs: Readonly<Record<string, string>>;
}

export interface Stack {
  /** Absolute path of the stack file. */
  readonly file: string;
  readonly version: string;
  readonly provider: { readonly name: 'openfaas'; readonly gateway?: string };
  /** In the order of the file. */
  readonly functions: readonly StackFunction[];
  readonly configuration: { readonly copy: readonly string[] };
}

/** The only lang this gateway can run itself; others need faasd or OpenFaaS. */
export const RUNNABLE_LANG = 'typescript-node';
