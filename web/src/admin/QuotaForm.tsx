import { NumberPolicyForm } from './NumberPolicyForm';

/** QuotaForm sets how much one person, and the whole organisation, may
 * store in attachments. */
export function QuotaForm() {
  return (
    <NumberPolicyForm
      id="quotas"
      heading="Attachment quotas"
      save="Save attachment quotas"
      saved="Attachment quotas saved."
      testid="quotas-saved"
      fields={[
        {
          key: 'attachment_quota_mib',
          id: 'person-quota',
          label: 'MiB of attachments one person may store',
          hint: 'From 1 to 102400 (100 GiB). 1024 MiB is 1 GiB. A person past it is told, and their attachment is not sent.',
          min: 1,
          max: 102400,
          invalid: 'A person’s quota must be a whole number of MiB from 1 to 102400',
          width: 5,
        },
        {
          key: 'org_attachment_quota_mib',
          id: 'org-quota',
          label: 'MiB of attachments the whole organisation may store',
          hint: 'At least one person’s quota, and at most 10485760 (10 TiB).',
          min: 1,
          max: 10485760,
          invalid: 'The organisation’s quota must be a whole number of MiB from 1 to 10485760',
          width: 10,
        },
      ]}
    />
  );
}
