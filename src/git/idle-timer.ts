// The inactivity timeout every transfer has: silent for `ms` (no byte received) is a stalled
// remote, whatever the total time. HTTP requests, git children and ssh sessions share it.

export interface IdleTimer {
  /** Something arrived: the silence starts again. */
  arm(): void;
  /** The transfer ended: no timeout any more. */
  stop(): void;
  /** Whether the timeout fired (and `onIdle` ran). */
  readonly timedOut: boolean;
}

/** Starts counting at once; `ms` undefined never times out. */
export function idleTimer(ms: number | undefined, onIdle: () => void): IdleTimer {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const arm = () => {
    if (ms === undefined) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      onIdle();
    }, ms);
  };
  arm();
  return {
    arm,
    stop: () => clearTimeout(timer),
    get timedOut() {
      return timedOut;
    },
  };
}
