import { NumberPolicyForm } from './NumberPolicyForm';

/** PolicyForm sets how long a session may sit unused before it ends. */
export function PolicyForm() {
  return (
    <NumberPolicyForm
      id="policy"
      heading="Idle time limit"
      save="Save idle time limit"
      saved="Idle time limit saved."
      testid="policy-saved"
      fields={[
        {
          key: 'idle_timeout_minutes',
          id: 'idle-timeout',
          label: 'Minutes a session can be unused before it ends',
          hint: 'From 1 to 720 minutes. NHS guidance is to lock devices after a short idle time; 15 minutes is a common choice.',
          min: 1,
          max: 720,
          invalid: 'Idle time limit must be a whole number of minutes from 1 to 720',
          width: 3,
        },
      ]}
    />
  );
}
