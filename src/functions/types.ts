/** What the function backend hands a function and what it gets back, in Fn's terms (docs/functions.md). */

/** One call, as built from the client request (call_codec.ts). */
export interface FnCall {
  /** `Fn-Call-Id`; also returned to the client as `fn-call-id`. */
  readonly callId: string;
  /**
   * The call's headers except `Fn-Deadline` (set when the call reaches a container), as a flat
   * `[name, value, name, value...]` list so repeated client headers keep every value.
   */
  readonly headers: string[];
  readonly body: Buffer;
}

/** Why a call did not produce a function result; each maps to one client status. */
export type FnFailure =
  /** The handler threw (container answered 502): 502, container kept. */
  | 'function_error'
  /** The deadline passed: 504, container killed. */
  | 'timeout'
  /** The process died during the call, or broke the protocol: 502, container replaced. */
  | 'crash'
  | 'protocol'
  /** Killed for exceeding `memory`: 502. */
  | 'memory'
  /** No container could be started: 502. */
  | 'start_failed'
  /** Every container busy and the queue full (or the wait too long): 503 + Retry-After. */
  | 'busy'
  /** The function is being shut down (reload or stop): 503. */
  | 'closed'
  /** A remote Fn server could not be reached or answered an error: 502. */
  | 'upstream';

/** The outcome of one call: the function's response, or a failure. */
export type FnOutcome =
  | {
      readonly ok: true;
      /** The client status (`Fn-Http-Status`, default 200). */
      readonly status: number;
      /** Client response headers (lower-case names, `Fn-Http-H-` stripped, Content-Type included). */
      readonly headers: Record<string, string | string[]>;
      readonly body: Buffer;
    }
  | { readonly ok: false; readonly failure: FnFailure; readonly detail: string };

/** Something that runs calls: a local pool of containers or a remote Fn server. */
export interface FunctionInvoker {
  readonly functionId: string;
  invoke(call: FnCall): Promise<FnOutcome>;
  /** Live containers (0 for remote functions). */
  stats(): { containers: number; busy: number; starting: number; queued: number };
  close(): Promise<void>;
}
