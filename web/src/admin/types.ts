/** AdminUser is one person in the organisation as the admin API lists them. */
export interface AdminUser {
  id: string;
  email: string;
  name: string;
  roles: string[];
  registration?: string;
  team?: string;
  enrolled: boolean;
  /** disabled: an admin has disabled the account; they cannot sign in. */
  disabled: boolean;
  /** locked_until is when a lock after failed sign-ins ends, or null. */
  locked_until: string | null;
}

/** AdminDevice is one registered device of anyone in the organisation. */
export interface AdminDevice {
  id: string;
  user_id: string;
  user_email: string;
  user_name: string;
  name: string;
  kind: string;
  created_at: string;
  last_seen_at: string;
  revoked_at: string | null;
  active_sessions: number;
}
