import { StaffRole } from './account.entity';

/** Who is asking. Built once per operation from the bearer token. */
export class Viewer {
  private constructor(
    readonly kind: 'ANONYMOUS' | 'STAFF',
    readonly accountId: number | null,
    readonly username: string | null,
    readonly role: StaffRole | null,
    readonly libraryId: number | null,
  ) {}

  static anonymous(): Viewer {
    return new Viewer('ANONYMOUS', null, null, null, null);
  }

  static staff(accountId: number, username: string, role: StaffRole, libraryId: number | null): Viewer {
    return new Viewer('STAFF', accountId, username, role, libraryId);
  }

  get isAuthenticated(): boolean {
    return this.kind !== 'ANONYMOUS';
  }

  get isStaff(): boolean {
    return this.kind === 'STAFF';
  }

  get isNetworkAdmin(): boolean {
    return this.role === StaffRole.NETWORK_ADMIN;
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
