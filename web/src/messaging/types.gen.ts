// Code generated from the Go types of internal/client by `go generate ./web`; DO NOT EDIT.
// The client core (Go compiled to WebAssembly) answers with these, as JSON.

/** Message is one decrypted message as the device keeps and shows it. */
export interface Message {
  id: string;
  conversation: string;
  seq: number;
  sender: string;
  sender_device: string;
  type: 'text' | 'attachment' | 'methane';
  text: string;
  sent_at: string;
  urgent?: boolean;
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
