import { useState } from 'preact/hooks';
import { get, put } from '../api';
import { ErrorSummary, errorFor, type FieldError } from '../components/ErrorSummary';
import { Notice } from '../components/Notice';
import { Radios } from '../components/Radios';
import { Table } from '../components/Table';
import { TextInput } from '../components/TextInput';
import { type Loaded, message, useLoad } from '../load';
import type { ConversationKind } from '../messaging/core';
import { age, kindLabel, kinds } from '../records/kind';
import type { Retention, RetentionRule } from '../records/types.gen';

/** RetentionForm sets how long each kind of conversation is kept, and how
 * long filed messages stay before they are deleted everywhere. */
export function RetentionForm() {
  const rules = useLoad(() => get<Retention>('/api/admin/retention'));
  return (
    <>
      <h2 id="retention-heading">How long messages are kept</h2>
      <p class="nhsuk-body">
        Messages older than their conversation's limit are deleted from the server and from every member's devices, on
        a schedule and when a device next starts, except what a <a href="/holds">legal hold</a> keeps.
      </p>
      {rules.data && <RulesTable retention={rules.data} />}
      <RuleForm rules={rules} />
      <GraceForm rules={rules} />
    </>
  );
}

/** RulesTable shows the rules, read only (also the DPO's view). */
export function RulesTable({ retention }: { retention: Retention }) {
  return (
    <Table<RetentionRule>
      caption="Retention by kind of conversation"
      testid="retention-rules"
      rows={retention.rules}
      rowKey={(r) => r.kind}
      columns={[
        { heading: 'Kind', cell: (r) => kindLabel(r.kind) },
        {
          heading: 'Messages kept for',
          cell: (r) => (!r.set ? 'Not set: kept' : r.keep ? `Kept: ${r.reason}` : age(r.max_age_seconds)),
        },
      ]}
    />
  );
}

function RuleForm({ rules }: { rules: Loaded<Retention> }) {
  const [kind, setKind] = useState<ConversationKind>('clinical');
  const [keepFor, setKeepFor] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [saved, setSaved] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    if (!keepFor.trim()) {
      setErrors([{ field: 'keep-for', text: 'Say how long to keep messages, such as "30d", or "keep"' }]);
      return;
    }
    try {
      await put('/api/admin/retention', { kind, max_age: keepFor.trim(), reason: reason.trim() });
      setErrors([]);
      setSaved(true);
      await rules.reload();
    } catch (err) {
      setErrors([{ field: 'keep-for', text: message(err) }]);
    }
  };
  return (
    <form onSubmit={submit} novalidate aria-labelledby="retention-set-heading">
      <h3 id="retention-set-heading">Set a kind's limit</h3>
      <ErrorSummary errors={errors} />
      {saved && (
        <Notice success testid="retention-saved">
          <p class="nhsuk-notification-banner__heading">Saved: {kindLabel(kind)} conversations' limit is set.</p>
        </Notice>
      )}
      <Radios name="retention-kind" legend="Kind of conversation" options={kinds} value={kind} onChange={setKind} />
      <TextInput
        id="keep-for"
        label="Keep messages for"
        hint='Days or hours, such as "30d" or "12h", from an hour to 100 years; or "keep" to keep them, with the reason below.'
        value={keepFor}
        onInput={setKeepFor}
        width={10}
        error={errorFor(errors, 'keep-for')}
      />
      <TextInput
        id="keep-reason"
        label="Reason to keep without a limit (if you chose keep)"
        hint="It is recorded, and the data protection officer sees it."
        value={reason}
        onInput={setReason}
        width={30}
      />
      <button class="nhsuk-button" type="submit">
        Save the limit
      </button>
    </form>
  );
}

function GraceForm({ rules }: { rules: Loaded<Retention> }) {
  const [grace, setGrace] = useState('');
  const [error, setError] = useState('');
  const [saved, setSaved] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    if (!grace.trim()) {
      setError('Say how long filed messages stay, such as "24h", or "0s" for at once');
      return;
    }
    try {
      await put('/api/admin/retention', { filed_grace: grace.trim() });
      setError('');
      setSaved(true);
      await rules.reload();
    } catch (err) {
      setError(message(err));
    }
  };
  const now = rules.data ? age(rules.data.filed_grace_seconds) : '';
  return (
    <form onSubmit={submit} novalidate aria-labelledby="grace-heading">
      <h3 id="grace-heading">Messages filed to the record</h3>
      <ErrorSummary errors={error ? [{ field: 'filed-grace', text: error }] : []} />
      {saved && (
        <Notice success testid="grace-saved">
          <p class="nhsuk-notification-banner__heading">Saved: filed messages are deleted {now} after filing.</p>
        </Notice>
      )}
      <TextInput
        id="filed-grace"
        label="Delete filed messages after"
        hint={`Such as "24h", "2d", or "0s" to delete them at once; up to 30 days. Now: ${rules.data?.filed_grace_seconds === 0 ? 'at once' : now}.`}
        value={grace}
        onInput={setGrace}
        width={10}
        error={error || undefined}
      />
      <button class="nhsuk-button" type="submit">
        Save the grace period
      </button>
    </form>
  );
}
