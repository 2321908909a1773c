import { useEffect, useState } from 'preact/hooks';
import { get, put } from '../api';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { TextInput } from '../components/TextInput';
import { message } from '../load';

/** PolicyField is one whole-number setting of the organisation's policy:
 * its key in /api/admin/policy and how the form asks for it. */
export interface PolicyField {
  key: string;
  id: string;
  label: string;
  hint: string;
  min: number;
  max: number;
  /** invalid is the sentence for a value outside min to max. */
  invalid: string;
  width: 2 | 3 | 4 | 5 | 10;
}

interface Props {
  id: string;
  heading: string;
  fields: PolicyField[];
  save: string;
  saved: string;
  testid: string;
}

/** NumberPolicyForm reads whole-number settings of the organisation's
 * policy and saves them together, checking their ranges first. */
export function NumberPolicyForm({ id, heading, fields, save, saved: savedText, testid }: Props) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const show = (p: Record<string, unknown>) =>
    setValues(Object.fromEntries(fields.map((f) => [f.key, typeof p[f.key] === 'number' ? String(p[f.key]) : ''])));

  useEffect(() => {
    get<Record<string, unknown>>('/api/admin/policy')
      .then(show)
      .catch((e) => setErrors([{ text: message(e) }]));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    const body: Record<string, number> = {};
    const bad: FieldError[] = [];
    for (const f of fields) {
      const v = (values[f.key] ?? '').trim();
      const n = Number(v);
      if (!v || !Number.isInteger(n) || n < f.min || n > f.max) bad.push({ field: f.id, text: f.invalid });
      body[f.key] = n;
    }
    setErrors(bad);
    if (bad.length) return;
    setBusy(true);
    try {
      show(await put<Record<string, unknown>>('/api/admin/policy', body));
      setSaved(true);
    } catch (err) {
      setErrors([{ field: fields[0].id, text: message(err) }]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} novalidate aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{heading}</h2>
      <ErrorSummary errors={errors} />
      {saved && (
        <Notice success testid={testid}>
          <p class="nhsuk-notification-banner__heading">{savedText}</p>
        </Notice>
      )}
      {fields.map((f) => (
        <TextInput
          key={f.key}
          id={f.id}
          label={f.label}
          hint={f.hint}
          value={values[f.key] ?? ''}
          onInput={(v) => setValues((old) => ({ ...old, [f.key]: v }))}
          error={errorFor(errors, f.id)}
          inputmode="numeric"
          width={f.width}
          autocomplete="off"
        />
      ))}
      <button class="nhsuk-button nhsuk-button--secondary" type="submit" disabled={busy}>
        {save}
      </button>
    </form>
  );
}
