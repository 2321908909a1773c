import { NumberPolicyForm } from './NumberPolicyForm';

/** PinAttemptsForm sets how many wrong messaging PINs in a row a device
 * allows before it erases its messages and signs its person out. */
export function PinAttemptsForm() {
  return (
    <NumberPolicyForm
      id="pin-attempts"
      heading="Wrong PIN limit"
      save="Save wrong PIN limit"
      saved="Wrong PIN limit saved."
      testid="pin-attempts-saved"
      fields={[
        {
          key: 'pin_attempts',
          id: 'pin-attempts',
          label: 'Wrong PINs in a row before a device erases its messages',
          hint: 'From 3 to 20. After 3 wrong PINs each try waits longer. At the limit the device erases its messages and signs out; the person signs in again and chooses a new PIN.',
          min: 3,
          max: 20,
          invalid: 'Wrong PIN attempts must be a whole number from 3 to 20',
          width: 2,
        },
      ]}
    />
  );
}
