import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../../api';
import { ErrorSummary, type FieldError } from '../../components/ErrorSummary';
import { TextInput } from '../../components/TextInput';
import { storeOwnerKey } from '../../device';
import { CoreError, eraseStore, loadCore } from '../../messaging/core';
import { pinFailed, pinSucceeded, pinWait } from '../../messaging/pinguard';
import { isSigningOut, pinLimitEvent, unlock } from '../../messaging/state';
import { useTitle } from '../../title';


/** Unlock asks for the PIN that protects this device's messages (or, the
 * first time, has the person choose one). It is all a messaging page shows
 * while messaging is locked. */
export function Unlock({ me }: { me: Me }) {
  const [hasStore, setHasStore] = useState<boolean | null>(null);
  const [pin, setPin] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const title = hasStore === false ? 'Choose a PIN for secure messaging' : 'Messages are locked';
  useTitle(title, errors.length > 0);

  useEffect(() => {
    if (isSigningOut()) return;
    (async () => {
      // A store left by someone else who used this browser (and did not
      // sign out) is of no use to this person, and would refuse their PIN.
      if (localStorage.getItem(storeOwnerKey) !== me.user.id) await eraseStore();
      const s = await (await loadCore()).status();
      setHasStore(s.store);
    })()
      .catch((e: unknown) => setErrors([{ text: e instanceof Error ? e.message : String(e) }]));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: FieldError[] = [];
    if (!/^\d{6,12}$/.test(pin)) errs.push({ field: 'pin', text: 'Enter a PIN of 6 to 12 digits' });
    else if (hasStore === false && pin !== again) errs.push({ field: 'pin-again', text: 'The two PINs are not the same' });
    const wait = hasStore ? pinWait() : 0;
    if (!errs.length && wait > 0) errs.push({ field: 'pin', text: `Too many wrong PINs. Try again in ${seconds(wait)}` });
    setErrors(errs);
    if (errs.length) return;
    setBusy(true);
    try {
      await unlock(pin, me.csrf_token);
      localStorage.setItem(storeOwnerKey, me.user.id);
      pinSucceeded();
    } catch (err) {
      setBusy(false);
      if (err instanceof CoreError && err.kind === 'unauthenticated') return; // the app shows sign-in
      const text = err instanceof Error ? err.message : String(err);
      if (hasStore && /PIN is not right/.test(text)) {
        const { left, wait } = pinFailed(me.pin_attempts ?? 10);
        if (left === 0) {
          // The app erases the store and signs out, saying why.
          window.dispatchEvent(new Event(pinLimitEvent));
          return;
        }
        const after = wait > 0 ? ` You can try again in ${seconds(wait)}.` : '';
        const tries = left === 1 ? '1 more wrong PIN' : `${left} more wrong PINs`;
        setErrors([
          { field: 'pin', text: `The PIN is not right.${after} After ${tries} the messages on this device are erased.` },
        ]);
        return;
      }
      setErrors([{ field: 'pin', text }]);
    }
  };

  if (hasStore === null && errors.length === 0) {
    return (
      <p class="nhsuk-body" aria-live="polite">
        Starting secure messaging…
      </p>
    );
  }
  const pinError = errors.find((x) => x.field === 'pin')?.text;
  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <ErrorSummary errors={errors} />
        <h1>{title}</h1>
        {hasStore === false ? (
          <p class="nhsuk-body">
            Your messages are kept on this device, encrypted under a PIN only you know. Switchboard locks them when
            you leave the device, and asks for the PIN again. Signing out erases them from this device.
          </p>
        ) : (
          <p class="nhsuk-body">Enter your PIN to see your messages.</p>
        )}
        <form onSubmit={submit} novalidate>
          <TextInput
            id="pin"
            label="PIN"
            hint={hasStore === false ? '6 to 12 digits. Do not use your phone or bank PIN.' : undefined}
            value={pin}
            onInput={setPin}
            type="password"
            inputmode="numeric"
            autocomplete={hasStore === false ? 'new-password' : 'current-password'}
            width={10}
            error={pinError}
          />
          {hasStore === false && (
            <TextInput
              id="pin-again"
              label="Enter the PIN again"
              value={again}
              onInput={setAgain}
              type="password"
              inputmode="numeric"
              autocomplete="new-password"
              width={10}
              error={errors.find((x) => x.field === 'pin-again')?.text}
            />
          )}
          <button class="nhsuk-button" type="submit" disabled={busy} aria-disabled={busy}>
            {busy ? 'Unlocking…' : hasStore === false ? 'Set PIN and continue' : 'Unlock'}
          </button>
        </form>
      </div>
    </div>
  );
}

function seconds(n: number): string {
  if (n < 60) return n === 1 ? '1 second' : `${n} seconds`;
  const m = Math.ceil(n / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}
