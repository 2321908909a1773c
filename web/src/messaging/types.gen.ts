// Code generated from the Go types of internal/client by `go generate ./web`; DO NOT EDIT.
// The client core (Go compiled to WebAssembly) answers with these, as JSON.

/** Message is one decrypted message as the device keeps and shows it. */
export interface Message {
  id: string;
  conversation: string;
  seq: number;
  sender: string;
  sender_device: string;
  type: 'text' | 'attachment' | 'methane' | 'filed';
  text: string;
  sent_at: string;
  urgent?: boolean;
  filing?: string;
  refs?: string[];
}

/** Member is a device in a conversation. */
export interface Member {
  email: string;
  device: string;
}

/** Summary is a conversation with its unread count and last activity. */
export interface Summary {
  id: string;
  name: string;
  epoch: number;
  last_seq: number;
  members: Member[];
  removed?: boolean;
  follows?: string;
  records?: Records | null;
  unread: number;
  last_at: string;
  last_msg_seq: number;
  read_up_to: number;
}

/** Person is a member as the members page shows them, with their safety-code state. */
export interface Person {
  email: string;
  devices: string[];
  self: boolean;
  verified: boolean;
  key_changed: boolean;
  admin: boolean;
  leaving?: boolean;
}

/** Records is how long a conversation's messages are kept, as the device last heard. */
export interface Records {
  kind: 'clinical' | 'team' | 'incident';
  max_age_seconds: number;
  set: boolean;
  held: boolean;
}

/** Filed is a filing to the record as the filer's device made it. */
export interface Filed {
  id: string;
  due_at: string;
  summary: string;
  fhir: string;
}
