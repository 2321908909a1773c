import { TextInput } from './TextInput';

interface Props {
  value: string;
  onInput: (v: string) => void;
  error?: string;
  hint?: string;
}

/** CodeInput is the field for the 6-digit security code from an
 * authenticator app. */
export function CodeInput({ value, onInput, error, hint }: Props) {
  return (
    <TextInput
      id="code"
      label="Security code"
      hint={hint ?? 'The 6-digit code shown in your authenticator app.'}
      value={value}
      onInput={onInput}
      error={error}
      autocomplete="one-time-code"
      inputmode="numeric"
      spellcheck={false}
      width={4}
      code
    />
  );
}

/** codeError checks a typed security code, allowing spaces people copy. */
export function codeError(code: string): string | undefined {
  const c = code.replace(/\s/g, '');
  if (!c) return 'Enter the 6-digit security code from your authenticator app';
  if (!/^\d{6}$/.test(c)) return 'Security code must be 6 digits, like 123456';
  return undefined;
}

/** cleanCode strips the spaces some apps show in the middle of a code. */
export const cleanCode = (code: string) => code.replace(/\s/g, '');
