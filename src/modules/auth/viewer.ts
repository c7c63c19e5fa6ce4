import { StaffRole } from './account.entity';

/** Who is asking. Built once per operation from the bearer token. */
export class Viewer {
  private constructor(
    readonly kind: 'ANONYMOUS' | 'STAFF' | 'PATRON',
    readonly accountId: number | null,
    readonly username: string | null,
    readonly role: StaffRole | null,
    /** Staff: the library they work for. Patron: their home library. */
    readonly libraryId: number | null,
    readonly patronId: number | null = null,
  ) {}

  static anonymous(): Viewer {
    return new Viewer('ANONYMOUS', null, null, null, null);
  }

  static staff(accountId: number, username: string, role: StaffRole, libraryId: number | null): Viewer {
    return new Viewer('STAFF', accountId, username, role, libraryId);
  }

  static patron(patronId: number, cardNumber: string, homeLibraryId: number): Viewer {
    return new Viewer('PATRON', null, cardNumber, null, homeLibraryId, patronId);
  }

  get isPatron(): boolean {
    return this.kind === 'PATRON';
  }

  get isAuthenticated(): boolean {
    return this.kind !== 'ANONYMOUS';
  }

  /** Library staff (a CONTRIBUTOR signs in like staff but is not library staff). */
  get isStaff(): boolean {
    return this.kind === 'STAFF' && this.role !== StaffRole.CONTRIBUTOR;
  }

  /** An account of a contributing agency (digital library intake). */
  get isContributor(): boolean {
    return this.kind === 'STAFF' && this.role === StaffRole.CONTRIBUTOR;
  }

  get isNetworkAdmin(): boolean {
    return this.role === StaffRole.NETWORK_ADMIN;
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
}
