import type { FieldError } from './components/ErrorSummary';

/** emailErrors checks an email address is there and looks like one. */
export function emailErrors(email: string, field: string): FieldError[] {
  const e = email.trim();
  if (!e) return [{ field, text: 'Enter an email address' }];
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e)) {
    return [{ field, text: 'Enter an email address in the correct format, like name@example.nhs.uk' }];
  }
  return [];
}
