import { useEffect } from 'preact/hooks';

const activity = ['keydown', 'pointerdown', 'wheel', 'touchstart', 'switchboard:active'] as const;

/** markActive counts as use of the page: a video call in progress keeps
 * the session alive though nobody touches the keyboard. */
export function markActive(): void {
  window.dispatchEvent(new Event('switchboard:active'));
}

/** useIdle calls onIdle once the person has not used the page for
 * `seconds`, so a device left unattended signs itself out at the
 * organisation's idle limit rather than showing the last page. A new
 * `round` starts the count again (after the app locked rather than
 * signed out). */
export function useIdle(seconds: number | undefined, onIdle: () => void, round = 0): void {
  useEffect(() => {
    if (!seconds || seconds <= 0) return;
    let timer = 0;
    const reset = () => {
      clearTimeout(timer);
      timer = window.setTimeout(onIdle, seconds * 1000);
    };
    reset();
    // The limit in force, for anyone checking that a policy change arrived.
    document.documentElement.dataset.idleSeconds = String(seconds);
    for (const ev of activity) window.addEventListener(ev, reset, { passive: true });
    return () => {
      clearTimeout(timer);
      for (const ev of activity) window.removeEventListener(ev, reset);
    };
  }, [seconds, onIdle, round]);
}
