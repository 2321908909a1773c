import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../../api';
import { ErrorSummary, type FieldError } from '../../components/ErrorSummary';
import { Notice } from '../../components/Notice';
import { TextInput } from '../../components/TextInput';
import { when } from '../../format';
import { type Filed, loadCore, type Message } from '../../messaging/core';
import { useUnlocked } from '../../messaging/state';
import { useTitle } from '../../title';
import { Unlock } from './Unlock';

// SHOWN is how many of the newest messages the page offers to file.
const SHOWN = 200;

/** FilePage files messages of a conversation to the patient's record:
 * the clinician chooses them and says where they went; the page gives a
 * summary to paste and a FHIR file to import, and every member sees the
 * mark. The messages are deleted everywhere after the grace period. */
export function FilePage({ me, id }: { me: Me; id: string }) {
  const unlocked = useUnlocked();
  if (!unlocked) return <Unlock me={me} />;
  return <FileForm id={id} />;
}

function FileForm({ id }: { id: string }) {
  const [msgs, setMsgs] = useState<Message[] | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [where, setWhere] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [filed, setFiled] = useState<Filed | null>(null);
  const [copied, setCopied] = useState(false);
  useTitle(filed ? 'Filed to the record' : 'File messages to the record', errors.length > 0);

  useEffect(() => {
    loadCore()
      .then((c) => c.history(id))
      .then((h) => setMsgs(h.filter((m) => m.type !== 'filed').slice(-SHOWN)))
      .catch((e: unknown) => setErrors([{ text: e instanceof Error ? e.message : String(e) }]));
  }, [id]);

  const toggle = (msgID: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(msgID);
    else next.delete(msgID);
    setChosen(next);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: FieldError[] = [];
    if (chosen.size === 0) errs.push({ field: msgs?.length ? `msg-${msgs[0].id}` : undefined, text: 'Choose at least one message to file' });
    if (!where.trim()) errs.push({ field: 'where', text: 'Say where you filed the messages, such as "EMIS, consultation 4 Dec 2026"' });
    setErrors(errs);
    if (errs.length) return;
    setBusy(true);
    try {
      const core = await loadCore();
      setFiled(await core.file(id, [...chosen], where.trim()));
    } catch (err) {
      setErrors([{ text: err instanceof Error ? err.message : String(err) }]);
    } finally {
      setBusy(false);
    }
  };

  if (filed) return <Result id={id} filed={filed} copied={copied} onCopied={() => setCopied(true)} />;
  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <a class="nhsuk-back-link" href={`/messages/${id}`}>
          Back to the conversation
        </a>
        <ErrorSummary errors={errors} />
        <h1>File messages to the record</h1>
        <p class="nhsuk-body">
          A conversation is not the patient's record. Choose the messages you have copied into the record and say where:
          everyone in the conversation sees the mark, and the messages are then deleted from the server and from every
          member's devices after your organisation's grace period, unless a legal hold applies.
        </p>
        <form onSubmit={submit} novalidate>
          <div class={`nhsuk-form-group${errors.some((x) => x.field?.startsWith('msg-')) ? ' nhsuk-form-group--error' : ''}`}>
            <fieldset class="nhsuk-fieldset">
              <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Messages to file</legend>
              {msgs === null && <p class="nhsuk-body">Decrypting messages…</p>}
              {msgs?.length === 0 && <p class="nhsuk-body">There are no messages on this device to file.</p>}
              <div class="nhsuk-checkboxes" data-testid="file-messages">
                {msgs?.map((m) => (
                  <div class="nhsuk-checkboxes__item" key={m.id}>
                    <input
                      class="nhsuk-checkboxes__input"
                      id={`msg-${m.id}`}
                      type="checkbox"
                      checked={chosen.has(m.id)}
                      onChange={(e) => toggle(m.id, (e.currentTarget as HTMLInputElement).checked)}
                    />
                    <label class="nhsuk-label nhsuk-checkboxes__label" for={`msg-${m.id}`}>
                      <strong>{m.sender}</strong>, {when(m.sent_at)}: {m.type === 'attachment' ? 'an attachment' : m.text}
                    </label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <TextInput
            id="where"
            label="Where did you file them?"
            hint='The record system and entry, such as "EMIS, consultation 4 Dec 2026". Everyone in the conversation sees it; do not put patient details in it.'
            value={where}
            onInput={setWhere}
            width={30}
            error={errors.find((x) => x.field === 'where')?.text}
          />
          <button class="nhsuk-button" type="submit" disabled={busy} aria-disabled={busy}>
            {busy ? 'Filing…' : 'File to the record'}
          </button>
        </form>
      </div>
    </div>
  );
}

function Result({ id, filed, copied, onCopied }: { id: string; filed: Filed; copied: boolean; onCopied: () => void }) {
  const [fhirURL, setFhirURL] = useState('');
  useEffect(() => {
    const u = URL.createObjectURL(new Blob([filed.fhir], { type: 'application/fhir+json' }));
    setFhirURL(u);
    return () => URL.revokeObjectURL(u);
  }, [filed.fhir]);
  const copy = async () => {
    await navigator.clipboard.writeText(filed.summary).then(onCopied, () => {});
  };
  return (
    <div class="nhsuk-grid-row">
      <div class="nhsuk-grid-column-two-thirds">
        <Notice success testid="filed">
          <p class="nhsuk-notification-banner__heading">Filed to the record</p>
          <p>
            The messages are deleted from the server and every member's devices after {when(filed.due_at)}, unless a
            legal hold applies.
          </p>
        </Notice>
        <h1>Filed to the record</h1>
        <div class="nhsuk-form-group">
          <label class="nhsuk-label nhsuk-label--s" for="summary">
            Summary to paste into the record
          </label>
          <textarea class="nhsuk-textarea sb-summary" id="summary" rows={10} readOnly value={filed.summary} data-testid="summary" />
        </div>
        <p class="nhsuk-body">
          <button class="nhsuk-button nhsuk-button--secondary" type="button" onClick={copy}>
            {copied ? 'Copied' : 'Copy the summary'}
          </button>
        </p>
        <p class="nhsuk-body">
          {fhirURL && (
            <a href={fhirURL} download={`switchboard-filed-${filed.id}.json`} data-testid="fhir">
              Download the messages as FHIR (for importing into the record system)
            </a>
          )}
        </p>
        <p class="nhsuk-body">
          <a href={`/filings/${filed.id}`}>See the deletion receipt</a> ·{' '}
          <a href={`/messages/${id}`}>Back to the conversation</a>
        </p>
      </div>
    </div>
  );
}
