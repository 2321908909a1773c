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

/** serverError attaches the server's sentence to the field it is about,
 * when it names one, so the message also shows beside that field. */
export function serverError(msg: string, fields: [RegExp, string][]): FieldError {
  const hit = fields.find(([re]) => re.test(msg));
  return hit ? { field: hit[1], text: msg } : { text: msg };
}
