/**
 * WHO MAY DO WHAT — the one place that says, for every Query, Mutation and Subscription field, which
 * kinds of viewer may use it. Deny by default: a root field without a rule here is refused to
 * everyone (FORBIDDEN, "no permission rule"), and test/permissions.test.ts fails for every field of
 * schema/schema.graphql that has none.
 *
 * Adding a field = adding one line to OPERATIONS, e.g.
 *
 *     'Mutation.createIllRequest': allow(LIBRARIAN, api(ApiPermission.RESOURCE_SHARING)),
 *
 * Grants:
 *   ANYONE         every viewer, signed in or not (API clients not included: they hold only their permissions)
 *   PATRON         a signed-in reader; the service then limits them to their own data
 *   CONTRIBUTOR    a contributor account (digital library); see ROLE_GRANTS
 *   LIBRARIAN      any staff account of a library, library admins and network admins included;
 *                  the service limits them to their own library where the data belongs to one
 *   LIBRARY_ADMIN  library admins (their library) and network admins
 *   NETWORK_ADMIN  network admins only
 *   API_CLIENT     any API client, whatever its permissions
 *   api(P)         an API client holding permission P (always scoped to its own library)
 *
 * The rule is the first gate; object-level checks (own library, own loans, the patron's own account)
 * stay in the services, and test/permissions.test.ts runs every operation as every kind of viewer.
 * How a refusal looks: anonymous viewers get UNAUTHENTICATED (signing in may help); a staff member
 * lacking the role gets the field's NotPermittedError when its result union has one, FORBIDDEN
 * otherwise; any other kind of viewer gets FORBIDDEN.
 *
 * FIELDS holds rules for sensitive fields of object types ('Type.field'), checked against the object
 * itself (e.g. a patron's contact data: the patron, staff of their home library, network admins).
 * A refused nullable field reads null; TYPES guards every field of a type (a refused one is an error).
 *
 * A new staff role (e.g. CONTRIBUTOR from the digital library) must be added to ROLE_GRANTS: the
 * compiler insists, since it is a Record over StaffRole.
 */
import { StaffRole } from './account.entity';
import { ApiPermission, Viewer } from './viewer';

export type Grant = 'ANYONE' | 'PATRON' | 'CONTRIBUTOR' | 'LIBRARIAN' | 'LIBRARY_ADMIN' | 'NETWORK_ADMIN' | 'API_CLIENT' | `api:${ApiPermission}`;

export interface Rule {
  readonly grants: ReadonlySet<Grant>;
}

export const ANYONE: Grant = 'ANYONE';
export const PATRON: Grant = 'PATRON';
export const CONTRIBUTOR: Grant = 'CONTRIBUTOR';
export const LIBRARIAN: Grant = 'LIBRARIAN';
export const LIBRARY_ADMIN: Grant = 'LIBRARY_ADMIN';
export const NETWORK_ADMIN: Grant = 'NETWORK_ADMIN';
export const API_CLIENT: Grant = 'API_CLIENT';
export const api = (p: ApiPermission): Grant => `api:${p}`;

export function allow(...grants: Grant[]): Rule {
  return { grants: new Set(grants) };
}

/** What each staff role holds. A role added to StaffRole must be added here (the compiler checks). */
export const ROLE_GRANTS: Record<StaffRole, Grant[]> = {
  [StaffRole.LIBRARIAN]: [LIBRARIAN],
  [StaffRole.LIBRARY_ADMIN]: [LIBRARIAN, LIBRARY_ADMIN],
  [StaffRole.NETWORK_ADMIN]: [LIBRARIAN, LIBRARY_ADMIN, NETWORK_ADMIN],
  [StaffRole.CONTRIBUTOR]: [CONTRIBUTOR],
};

const P = ApiPermission;
const CATALOG_READERS = [ANYONE, api(P.READ_HOLDINGS), api(P.CIRCULATION), api(P.RESOURCE_SHARING)];

/** Every root field of the API. Keep sorted by type, then name. */
export const OPERATIONS: Record<string, Rule> = {
  // catalog, holdings, libraries: public
  'Query.searchCatalog': allow(...CATALOG_READERS),
  'Query.record': allow(...CATALOG_READERS),
  'Query.item': allow(...CATALOG_READERS),
  'Query.libraries': allow(ANYONE, API_CLIENT),
  'Query.library': allow(ANYONE, API_CLIENT),
  'Query.circulationPolicy': allow(ANYONE, api(P.READ_HOLDINGS), api(P.CIRCULATION)),
  // any object by id: each type's own visibility applies, and TYPES below
  'Query.node': allow(ANYONE, API_CLIENT),
  'Query.me': allow(ANYONE, API_CLIENT),
  // readers: the patron themself, staff who may see them (service), API clients of their library
  'Query.patron': allow(PATRON, LIBRARIAN, api(P.READ_PATRONS), api(P.CIRCULATION)),
  'Query.patrons': allow(LIBRARIAN, api(P.READ_PATRONS)),
  // desk lists: staff of that library (service)
  'Query.loans': allow(LIBRARIAN, api(P.CIRCULATION)),
  'Query.holdQueue': allow(LIBRARIAN, api(P.CIRCULATION)),
  'Query.holdShelf': allow(LIBRARIAN, api(P.CIRCULATION)),
  'Query.transits': allow(LIBRARIAN, api(P.CIRCULATION)),
  // administration
  'Query.apiClients': allow(LIBRARY_ADMIN),
  'Query.auditLog': allow(LIBRARY_ADMIN),

  // signing in and out
  'Mutation.login': allow(ANYONE),
  'Mutation.loginPatron': allow(ANYONE),
  'Mutation.refreshToken': allow(ANYONE),
  'Mutation.logout': allow(ANYONE),
  // cataloguing: any staff for records (shared), staff of the owning library for copies (service)
  'Mutation.createRecord': allow(LIBRARIAN),
  'Mutation.updateRecord': allow(LIBRARIAN),
  'Mutation.mergeRecords': allow(NETWORK_ADMIN),
  'Mutation.addItem': allow(LIBRARIAN),
  'Mutation.updateItem': allow(LIBRARIAN),
  'Mutation.withdrawItem': allow(LIBRARIAN),
  // patrons: staff of the home library (service)
  'Mutation.createPatron': allow(LIBRARIAN),
  'Mutation.updatePatron': allow(LIBRARIAN),
  'Mutation.setKeepLoanHistory': allow(PATRON),
  // circulation at the desk: staff of that library (service)
  'Mutation.checkoutItem': allow(LIBRARIAN, api(P.CIRCULATION)),
  'Mutation.checkinItem': allow(LIBRARIAN, api(P.CIRCULATION)),
  'Mutation.receiveTransit': allow(LIBRARIAN, api(P.CIRCULATION)),
  // the patron's own loans and holds, or staff on their behalf (service)
  'Mutation.renewLoan': allow(PATRON, LIBRARIAN, api(P.CIRCULATION)),
  'Mutation.placeHold': allow(PATRON, LIBRARIAN, api(P.CIRCULATION)),
  'Mutation.cancelHold': allow(PATRON, LIBRARIAN, api(P.CIRCULATION)),
  'Mutation.suspendHold': allow(PATRON, LIBRARIAN, api(P.CIRCULATION)),
  'Mutation.updateHoldPickupLibrary': allow(PATRON, LIBRARIAN, api(P.CIRCULATION)),
  // rules and keys of a library: its admins (service), network admins
  'Mutation.setCirculationPolicy': allow(LIBRARY_ADMIN),
  'Mutation.createApiClient': allow(LIBRARY_ADMIN),
  'Mutation.revokeApiClient': allow(LIBRARY_ADMIN),

  // resource sharing (inter-library requests): the libraries taking part and the reader (service)
  'Query.illRequest': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Query.illRequests': allow(LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Query.illStatistics': allow(LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Query.previewRota': allow(LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.createIllRequest': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  // each action of either side: the state machine decides who takes it (the reader may cancel and ask
  // for more time; for the others a reader gets the union's NotPermittedError, as the sharing tests expect)
  'Mutation.cancelIllRequest': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.requestIllRenewal': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.respondToIllRequest': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.acceptIllConditions': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.rejectIllConditions': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.answerIllCancellation': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.answerIllRenewal': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.shipIllItem': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.deliverIllCopy': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.receiveIllItem': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.returnIllItem': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.checkInReturnedIllItem': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.recallIllItem': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.markIllItemLost': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.sendIllMessage': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.markIllMessagesRead': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING)),
  'Mutation.setIllResponseDays': allow(LIBRARY_ADMIN),

  // the digital library: published e-resources are public (their access policy applies when opened);
  // cataloguing them is staff work of the owning library, contributions come from agency accounts (service)
  'Query.eResource': allow(ANYONE, api(P.READ_HOLDINGS)),
  'Query.searchEResources': allow(ANYONE, api(P.READ_HOLDINGS)),
  'Query.myEResourceSubmissions': allow(CONTRIBUTOR),
  'Query.eResourceUsage': allow(LIBRARIAN),
  'Mutation.openEResource': allow(ANYONE),
  'Mutation.borrowEResource': allow(PATRON),
  'Mutation.returnEResource': allow(PATRON),
  'Mutation.createEResource': allow(LIBRARIAN, CONTRIBUTOR),
  'Mutation.updateEResource': allow(LIBRARIAN, CONTRIBUTOR),
  'Mutation.submitEResource': allow(LIBRARIAN, CONTRIBUTOR),
  'Mutation.publishEResource': allow(LIBRARIAN),
  'Mutation.reviewEResource': allow(LIBRARIAN),
  'Mutation.withdrawEResource': allow(LIBRARIAN),
  'Mutation.createAgency': allow(LIBRARY_ADMIN),
  'Mutation.createContributorAccount': allow(LIBRARY_ADMIN),
  'Mutation.setLibraryIpRanges': allow(LIBRARY_ADMIN),

  // events of a library: its staff (service)
  'Subscription.resourceSharingEvents': allow(LIBRARIAN, api(P.READ_EVENTS)),
  'Subscription.illRequestUpdated': allow(PATRON, LIBRARIAN, api(P.RESOURCE_SHARING), api(P.READ_EVENTS)),
};

/** Guards every field of a type, wherever it is reached (node(id:), a loan's patron...). */
export const TYPES: Record<string, Rule> = {
  // API clients see readers and their loans and holds only with a permission about readers
  Patron: allow(ANYONE, PATRON, LIBRARIAN, api(P.READ_PATRONS), api(P.CIRCULATION)),
  Loan: allow(ANYONE, PATRON, LIBRARIAN, api(P.CIRCULATION)),
  Hold: allow(ANYONE, PATRON, LIBRARIAN, api(P.CIRCULATION)),
  StaffAccount: allow(ANYONE),
};

export type ObjectCheck = (viewer: Viewer, source: Record<string, unknown>) => boolean;

/** A patron's contact data: the patron, staff of their home library, network admins, API clients of that library with READ_PATRONS. */
const patronContact: ObjectCheck = (v, p) => {
  const home = (p.homeLibrary as { id?: number } | undefined)?.id;
  if (v.isPatron) return v.patronId === p.id;
  if (v.isApiClient) return v.has(ApiPermission.READ_PATRONS) && v.libraryId === home;
  return v.isStaff && home !== undefined && v.worksAt(home);
};

/** Sensitive fields of object types, checked against the object (a refusal reads null). */
export const FIELDS: Record<string, ObjectCheck> = {
  'Patron.phone': patronContact,
  'Patron.email': patronContact,
  'Patron.dateOfBirth': patronContact,
};

/** The grants a viewer holds. */
export function grantsOf(v: Viewer): Set<Grant> {
  switch (v.kind) {
    case 'ANONYMOUS':
      return new Set([ANYONE]);
    case 'PATRON':
      return new Set([ANYONE, PATRON]);
    case 'STAFF':
      return new Set([ANYONE, ...(v.role ? ROLE_GRANTS[v.role] : [])]);
    case 'API_CLIENT':
      return new Set([API_CLIENT, ...[...v.permissions].map(api)]);
  }
}

export function permits(rule: Rule | undefined, v: Viewer): boolean {
  if (!rule) return false;
  for (const g of grantsOf(v)) if (rule.grants.has(g)) return true;
  return false;
}

/** Why a rule refuses: anonymous (sign in), a staff member lacking the role, or a kind of viewer the field is not for. */
export function refusal(rule: Rule | undefined, v: Viewer): 'UNAUTHENTICATED' | 'ROLE' | 'KIND' {
  if (!v.isAuthenticated) return 'UNAUTHENTICATED';
  if (rule && v.kind === 'STAFF' && [LIBRARIAN, LIBRARY_ADMIN, NETWORK_ADMIN, CONTRIBUTOR].some((g) => rule.grants.has(g))) return 'ROLE';
  return 'KIND';
}
