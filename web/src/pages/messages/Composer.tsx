import { count } from '../../format';
import type { ComponentChildren } from 'preact';
import { useMemo, useRef, useState } from 'preact/hooks';
import { loadedCore, type PIDMatch } from '../../messaging/core';
import { allowedTypes } from '../../messaging/attachments';

interface Props {
  /** onSend sends text; overridden lists the kinds of patient data the
   * person chose to send anyway (empty when there were none). */
  onSend: (text: string, overridden: string[]) => Promise<boolean>;
  onAttach: (file: File) => Promise<boolean>;
}

const why: Record<string, string> = {
  'NHS number': 'An NHS number identifies a patient on its own.',
  'date of birth': 'A date of birth, with other details, can identify a patient.',
  postcode: 'A postcode narrows down where a patient lives.',
  'phone number': 'A phone number can identify a patient or their family.',
};

/** Composer is the message box. As the person types it looks for NHS
 * numbers, dates of birth, postcodes and phone numbers with the client
 * core's detector, highlights them, says why they matter and offers to
 * replace each with a local reference. Sending while any remain takes a
 * second, deliberate press of "Send anyway". */
export function Composer({ onSend, onAttach }: Props) {
  const [text, setText] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refs, setRefs] = useState(0);
  const fileRef = useRef<HTMLInputElement>(null);
  const matches = useMemo<PIDMatch[]>(() => (text ? (loadedCore()?.pid(text) ?? []) : []), [text]);

  const edit = (v: string) => {
    setText(v);
    setConfirming(false);
  };

  const replace = (m: PIDMatch) => {
    const ref = `[patient ${String.fromCharCode(65 + (refs % 26))}]`;
    setRefs(refs + 1);
    edit(text.slice(0, m.start) + ref + text.slice(m.end));
  };

  const send = async (e: Event) => {
    e.preventDefault();
    if (!text.trim() || busy) return;
    if (matches.length > 0 && !confirming) {
      setConfirming(true);
      return;
    }
    setBusy(true);
    const kinds = [...new Set(matches.map((m) => m.kind))];
    const ok = await onSend(text, kinds);
    setBusy(false);
    if (ok) {
      setText('');
      setConfirming(false);
      setRefs(0);
    }
  };

  const attach = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const f = input.files?.[0];
    if (!f) return;
    setBusy(true);
    await onAttach(f);
    setBusy(false);
    input.value = '';
  };

  return (
    <form class="sb-composer" onSubmit={send} novalidate>
      {matches.length > 0 && (
        <div class="nhsuk-warning-callout" data-testid="pid-warning">
          <h2 class="nhsuk-warning-callout__label">
            <span>
              <span class="nhsuk-u-visually-hidden">Important: </span>
              This message may identify a patient
            </span>
          </h2>
          <p>
            Share only the patient details the other person needs. Where you can, use a reference your team can match
            to the record, such as a bed or hospital number kept on the ward.
          </p>
          <p class="sb-pid-preview" data-testid="pid-preview">
            {highlight(text, matches)}
          </p>
          <ul class="nhsuk-list">
            {matches.map((m) => (
              <li key={`${m.start}-${m.end}`} class="sb-pid-item" data-testid="pid-item">
                <span>
                  <strong>{m.kind}</strong> “{m.text}”: {why[m.kind] ?? ''}
                </span>
                <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="button" onClick={() => replace(m)}>
                  Replace with a reference <span class="nhsuk-u-visually-hidden">for the {m.kind} {m.text}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div class="nhsuk-form-group">
        <label class="nhsuk-label" for="message">
          Message
        </label>
        <textarea
          class="nhsuk-textarea"
          id="message"
          name="message"
          rows={3}
          value={text}
          onInput={(e) => edit((e.currentTarget as HTMLTextAreaElement).value)}
          aria-describedby={matches.length ? 'pid-status' : undefined}
        />
        <span id="pid-status" class="nhsuk-u-visually-hidden" aria-live="polite">
          {matches.length ? `${count(matches.length, 'possible patient detail')} found` : ''}
        </span>
      </div>
      {confirming && (
        <p class="nhsuk-body nhsuk-u-font-weight-bold" role="alert" data-testid="pid-confirm">
          Your message still holds patient details. Replace them, or press "Send anyway" if the other person needs
          them. Sending anyway is counted, without the text, for your organisation's records.
        </p>
      )}
      <div class="sb-composer__actions">
        <button
          class={`nhsuk-button${confirming ? ' nhsuk-button--warning' : ''}`}
          type="submit"
          disabled={busy}
          aria-disabled={busy}
        >
          {confirming ? 'Send anyway' : 'Send'}
        </button>
        <div class="nhsuk-form-group sb-composer__file">
          <label class="nhsuk-label" for="attachment">
            Attach a picture or PDF
          </label>
          <input
            class="sb-file"
            id="attachment"
            name="attachment"
            type="file"
            accept={allowedTypes.join(',')}
            ref={fileRef}
            onChange={attach}
            disabled={busy}
          />
        </div>
      </div>
    </form>
  );
}

function highlight(text: string, matches: PIDMatch[]): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let at = 0;
  for (const m of matches) {
    out.push(text.slice(at, m.start));
    out.push(<mark key={m.start}>{text.slice(m.start, m.end)}</mark>);
    at = m.end;
  }
  out.push(text.slice(at));
  return out;
}
