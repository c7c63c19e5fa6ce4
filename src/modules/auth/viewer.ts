import { StaffRole } from './account.entity';

/**
 * Named permissions of an API client (a partner system holding an API key). A key is scoped to one
 * library and acts with a librarian's rights there, but only in the operations its permissions
 * open (src/modules/auth/permissions.ts).
 */
export enum ApiPermission {
  /** Catalog, holdings and copies (also open to anonymous viewers, but under the client's own rate bucket). */
  READ_HOLDINGS = 'READ_HOLDINGS',
  /** Readers of the client's library (patron, patrons, node of a Patron). */
  READ_PATRONS = 'READ_PATRONS',
  /** Desk work at the client's library: checkout, checkin, renew, holds, desk lists. */
  CIRCULATION = 'CIRCULATION',
  /** Resource sharing (inter-library loans) on behalf of the client's library. */
  RESOURCE_SHARING = 'RESOURCE_SHARING',
  /** The live event stream of the client's library. */
  READ_EVENTS = 'READ_EVENTS',
}

export type ViewerKindName = 'ANONYMOUS' | 'STAFF' | 'PATRON' | 'API_CLIENT';

/** Who is asking. Built once per operation from the bearer token or API key. */
export class Viewer {
  private constructor(
    readonly kind: ViewerKindName,
    readonly accountId: number | null,
    readonly username: string | null,
    readonly role: StaffRole | null,
    /** Staff and API clients: the library they work for. Patron: their home library. */
    readonly libraryId: number | null,
    readonly patronId: number | null = null,
    /** The sign-in session of a staff member or patron (null: anonymous, API client, or a token without one). */
    readonly sessionId: string | null = null,
    readonly apiClientId: number | null = null,
    readonly permissions: ReadonlySet<ApiPermission> = new Set(),
  ) {}

  static anonymous(): Viewer {
    return new Viewer('ANONYMOUS', null, null, null, null);
  }

  static staff(accountId: number, username: string, role: StaffRole, libraryId: number | null, sessionId: string | null = null): Viewer {
    return new Viewer('STAFF', accountId, username, role, libraryId, null, sessionId);
  }

  static patron(patronId: number, cardNumber: string, homeLibraryId: number, sessionId: string | null = null): Viewer {
    return new Viewer('PATRON', null, cardNumber, null, homeLibraryId, patronId, sessionId);
  }

  /** A partner system: acts as a librarian of its library, within its permissions. */
  static apiClient(clientId: number, name: string, libraryId: number, permissions: Iterable<ApiPermission>): Viewer {
    return new Viewer('API_CLIENT', null, name, StaffRole.LIBRARIAN, libraryId, null, null, clientId, new Set(permissions));
  }

  get isPatron(): boolean {
    return this.kind === 'PATRON';
  }

  get isAuthenticated(): boolean {
    return this.kind !== 'ANONYMOUS';
  }

  /** Library staff, and API clients (which act as a librarian of their library); a CONTRIBUTOR signs in like staff but is not library staff. */
  get isStaff(): boolean {
    return (this.kind === 'STAFF' && this.role !== StaffRole.CONTRIBUTOR) || this.kind === 'API_CLIENT';
  }

  /** An account of a contributing agency (digital library intake). */
  get isContributor(): boolean {
    return this.kind === 'STAFF' && this.role === StaffRole.CONTRIBUTOR;
  }

  get isApiClient(): boolean {
    return this.kind === 'API_CLIENT';
  }

  get isNetworkAdmin(): boolean {
    return this.kind === 'STAFF' && this.role === StaffRole.NETWORK_ADMIN;
  }

  /** Library admins of their library; network admins of every library. */
  isAdminOf(libraryId: number | null): boolean {
    if (this.isNetworkAdmin) return true;
    return this.kind === 'STAFF' && this.role === StaffRole.LIBRARY_ADMIN && libraryId !== null && this.libraryId === libraryId;
  }

  has(permission: ApiPermission): boolean {
    return this.permissions.has(permission);
  }

  /** Staff of this library (any role) or a network admin: the desk work of that library. */
  worksAt(libraryId: number): boolean {
    return this.isNetworkAdmin || (this.isStaff && this.libraryId === libraryId);
  }

  /** Items (copies) of a library: its own staff, or a network admin. */
  canManageItemsOf(libraryId: number): boolean {
    return this.isNetworkAdmin || (this.isStaff && this.libraryId === libraryId);
  }

  /** Bibliographic records are shared: any staff member may create and edit them. */
  get canCatalogue(): boolean {
    return this.isStaff;
  }

  get canMergeRecords(): boolean {
    return this.isNetworkAdmin;
  }

  /** The rate-limit bucket of this viewer: one per account, patron, API key, or (anonymous) client address. */
  bucketKey(clientAddress: string | null): string {
    switch (this.kind) {
      case 'STAFF':
        return `staff:${this.accountId}`;
      case 'PATRON':
        return `patron:${this.patronId}`;
      case 'API_CLIENT':
        return `api:${this.apiClientId}`;
      default:
        return `ip:${clientAddress ?? 'unknown'}`;
    }
  }
}
