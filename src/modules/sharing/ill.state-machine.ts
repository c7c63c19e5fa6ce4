/**
 * The inter-library request workflow, declared as data: the states of both views of one transaction
 * (the borrower's and the current lender's), and every action with the side that takes it, the state
 * pairs it applies to, where it leads and the ISO 18626 message it corresponds to. The services
 * only look things up here; no state rule is written anywhere else.
 *
 * Vocabulary follows ISO 18626 (v1.2): lender statuses RequestReceived, ExpectToSupply, WillSupply,
 * Loaned, Overdue, Recalled, RetryPossible, Unfilled, CopyCompleted, LoanCompleted,
 * CompletedWithoutReturn, Cancelled; borrower actions Received, Cancel, Renew, ShippedReturn,
 * Notification (and Lost). States a real workflow needs beyond the bare statuses (conditions waiting
 * for the borrower, a cancel the lender must confirm, a return on its way, end of rota) are explicit.
 */

export enum IllState {
  // borrower's view
  REQUESTED = 'REQUESTED',
  CONDITIONS_PENDING = 'CONDITIONS_PENDING',
  CANCEL_PENDING = 'CANCEL_PENDING',
  SHIPPED = 'SHIPPED',
  RECEIVED = 'RECEIVED',
  COMPLETED = 'COMPLETED',
  END_OF_ROTA = 'END_OF_ROTA',
  LOST = 'LOST',
  // lender's view
  REQUEST_RECEIVED = 'REQUEST_RECEIVED',
  CONDITIONAL = 'CONDITIONAL',
  CANCEL_REQUESTED = 'CANCEL_REQUESTED',
  LOANED = 'LOANED',
  LOAN_COMPLETED = 'LOAN_COMPLETED',
  COPY_COMPLETED = 'COPY_COMPLETED',
  COMPLETED_WITHOUT_RETURN = 'COMPLETED_WITHOUT_RETURN',
  UNFILLED = 'UNFILLED',
  RETRY_POSSIBLE = 'RETRY_POSSIBLE',
  // both views
  EXPECT_TO_SUPPLY = 'EXPECT_TO_SUPPLY',
  WILL_SUPPLY = 'WILL_SUPPLY',
  OVERDUE = 'OVERDUE',
  RECALLED = 'RECALLED',
  RETURN_SHIPPED = 'RETURN_SHIPPED',
  CANCELLED = 'CANCELLED',
}

export type IllSide = 'BORROWER' | 'LENDER' | 'SYSTEM';

export interface StateInfo {
  /** Which view the state belongs to. */
  view: 'BORROWER' | 'LENDER' | 'BOTH';
  /** Whose move it is: that library's queue shows the request as needing attention. */
  attention: 'BORROWER' | 'LENDER' | null;
  /** No action leads out of it (messages aside). */
  terminal: boolean;
  /** The ISO 18626 status a lender in this state reports (lender view). */
  iso18626Status?: string;
  description: string;
  /** What a reader is told (borrower view). */
  patronText?: { vi: string; en: string };
}

export const STATES: Record<IllState, StateInfo> = {
  REQUESTED: {
    view: 'BORROWER', attention: null, terminal: false,
    description: 'Sent to the current lender, waiting for its answer (moves to the next lender on Unfilled or no answer in time).',
    patronText: { vi: 'Đang đề nghị thư viện khác cho mượn.', en: 'We are asking another library to lend it.' },
  },
  CONDITIONS_PENDING: {
    view: 'BORROWER', attention: 'BORROWER', terminal: false,
    description: 'The lender will supply on conditions (a note, a cost): the borrower accepts or rejects them.',
    patronText: { vi: 'Thư viện cho mượn đưa ra điều kiện; thư viện của bạn đang xem xét.', en: 'The lending library set conditions; your library is looking at them.' },
  },
  CANCEL_PENDING: {
    view: 'BORROWER', attention: null, terminal: false,
    description: 'The borrower asked to cancel after the lender committed; the lender confirms or refuses.',
    patronText: { vi: 'Đang hủy yêu cầu.', en: 'Your request is being cancelled.' },
  },
  SHIPPED: {
    view: 'BORROWER', attention: 'BORROWER', terminal: false,
    description: 'The lender sent the copy (ISO 18626 Loaned); the borrower receives it.',
    patronText: { vi: 'Sách đang được chuyển đến thư viện nhận.', en: 'The book is on its way to your pickup library.' },
  },
  RECEIVED: {
    view: 'BORROWER', attention: null, terminal: false,
    description: 'The borrower received the copy and lent it to the patron (or uses it itself) until the due date.',
    patronText: { vi: 'Bạn đang mượn sách này.', en: 'You have the book on loan.' },
  },
  COMPLETED: {
    view: 'BOTH', attention: null, terminal: true,
    description: 'Done: the copy went back to its lender, or the copy (scan) was delivered.',
    patronText: { vi: 'Đã hoàn tất.', en: 'Completed.' },
  },
  END_OF_ROTA: {
    view: 'BORROWER', attention: null, terminal: true,
    description: 'Every candidate lender declined or did not answer; their answers are in the rota.',
    patronText: { vi: 'Rất tiếc, không thư viện nào có thể cho mượn.', en: 'Sorry, no library could lend it.' },
  },
  LOST: {
    view: 'BORROWER', attention: null, terminal: true,
    description: 'The borrower reported the copy lost (the lender closes it as CompletedWithoutReturn).',
    patronText: { vi: 'Sách đã được báo mất.', en: 'The book was reported lost.' },
  },
  REQUEST_RECEIVED: {
    view: 'LENDER', attention: 'LENDER', terminal: false, iso18626Status: 'RequestReceived',
    description: 'The request reached this lender; it answers before answerDueAt or the request moves on.',
  },
  CONDITIONAL: {
    view: 'LENDER', attention: null, terminal: false, iso18626Status: 'WillSupply',
    description: 'This lender offered to supply on conditions; waiting for the borrower.',
  },
  CANCEL_REQUESTED: {
    view: 'LENDER', attention: 'LENDER', terminal: false, iso18626Status: 'WillSupply',
    description: 'The borrower asked to cancel: this lender confirms (Cancelled) or refuses (keeps supplying).',
  },
  LOANED: {
    view: 'LENDER', attention: null, terminal: false, iso18626Status: 'Loaned',
    description: 'The copy is on loan to the borrowing library (travelling, or there).',
  },
  LOAN_COMPLETED: {
    view: 'LENDER', attention: null, terminal: true, iso18626Status: 'LoanCompleted',
    description: 'The copy came back and was checked in.',
  },
  COPY_COMPLETED: {
    view: 'LENDER', attention: null, terminal: true, iso18626Status: 'CopyCompleted',
    description: 'The copy (scan) was delivered.',
  },
  COMPLETED_WITHOUT_RETURN: {
    view: 'LENDER', attention: null, terminal: true, iso18626Status: 'CompletedWithoutReturn',
    description: 'Closed without the copy coming back (reported lost).',
  },
  UNFILLED: {
    view: 'LENDER', attention: null, terminal: true, iso18626Status: 'Unfilled',
    description: 'This lender cannot supply (reason in the rota).',
  },
  RETRY_POSSIBLE: {
    view: 'LENDER', attention: null, terminal: true, iso18626Status: 'RetryPossible',
    description: 'This lender cannot supply now but might later (reason in the rota).',
  },
  EXPECT_TO_SUPPLY: {
    view: 'BOTH', attention: 'LENDER', terminal: false, iso18626Status: 'ExpectToSupply',
    description: 'The lender expects to supply (looking for the copy); it ships, answers or declines next.',
    patronText: { vi: 'Đã tìm được thư viện cho mượn.', en: 'A library expects to lend it.' },
  },
  WILL_SUPPLY: {
    view: 'BOTH', attention: 'LENDER', terminal: false, iso18626Status: 'WillSupply',
    description: 'The lender will supply; it ships the copy or delivers the scan next.',
    patronText: { vi: 'Thư viện cho mượn sẽ gửi sách.', en: 'The lending library will send it.' },
  },
  OVERDUE: {
    view: 'BOTH', attention: 'BORROWER', terminal: false, iso18626Status: 'Overdue',
    description: "Past the lender's due date and not yet returned.",
    patronText: { vi: 'Sách đã quá hạn: vui lòng trả lại.', en: 'The book is overdue: please return it.' },
  },
  RECALLED: {
    view: 'BOTH', attention: 'BORROWER', terminal: false, iso18626Status: 'Recalled',
    description: 'The lender needs the copy back early.',
    patronText: { vi: 'Thư viện cho mượn cần lấy lại sách: vui lòng trả sớm.', en: 'The lending library needs the book back: please return it soon.' },
  },
  RETURN_SHIPPED: {
    view: 'BOTH', attention: 'LENDER', terminal: false, iso18626Status: 'Loaned',
    description: 'The borrower sent the copy back (ShippedReturn); the lender checks it in.',
    patronText: { vi: 'Sách đã được gửi trả.', en: 'The book has been returned.' },
  },
  CANCELLED: {
    view: 'BOTH', attention: null, terminal: true, iso18626Status: 'Cancelled',
    description: 'Cancelled.',
    patronText: { vi: 'Yêu cầu đã hủy.', en: 'The request was cancelled.' },
  },
};

export enum IllAction {
  CANCEL = 'CANCEL',
  ACCEPT_CONDITIONS = 'ACCEPT_CONDITIONS',
  REJECT_CONDITIONS = 'REJECT_CONDITIONS',
  RECEIVE = 'RECEIVE',
  RETURN = 'RETURN',
  REQUEST_RENEWAL = 'REQUEST_RENEWAL',
  MARK_LOST = 'MARK_LOST',
  RESPOND_WILL_SUPPLY = 'RESPOND_WILL_SUPPLY',
  RESPOND_EXPECT_TO_SUPPLY = 'RESPOND_EXPECT_TO_SUPPLY',
  RESPOND_CONDITIONAL = 'RESPOND_CONDITIONAL',
  RESPOND_UNFILLED = 'RESPOND_UNFILLED',
  RESPOND_RETRY_POSSIBLE = 'RESPOND_RETRY_POSSIBLE',
  ACCEPT_CANCELLATION = 'ACCEPT_CANCELLATION',
  REJECT_CANCELLATION = 'REJECT_CANCELLATION',
  SHIP = 'SHIP',
  DELIVER_COPY = 'DELIVER_COPY',
  CHECK_IN_RETURNED = 'CHECK_IN_RETURNED',
  APPROVE_RENEWAL = 'APPROVE_RENEWAL',
  DENY_RENEWAL = 'DENY_RENEWAL',
  RECALL = 'RECALL',
  SEND_MESSAGE = 'SEND_MESSAGE',
  // taken by the scheduler
  TIME_OUT = 'TIME_OUT',
  MARK_OVERDUE = 'MARK_OVERDUE',
}

/** Named preconditions beyond the states (kept as data so allowedActions can evaluate them). */
export type Guard = 'LOAN_SERVICE' | 'COPY_SERVICE' | 'RENEWAL_PENDING' | 'NO_RENEWAL_PENDING';

/** Where an action leads: a pair of states, the next lender of the rota, or nowhere (same states). */
export type Target =
  | { kind: 'STATES'; requester: IllState; supplier: IllState | null }
  | { kind: 'NEXT_LENDER'; outcome: RotaOutcome; supplier: IllState }
  | { kind: 'SAME' };

export type RotaOutcome = 'UNFILLED' | 'RETRY_POSSIBLE' | 'NO_ANSWER' | 'CONDITIONS_REJECTED';

export interface Transition {
  action: IllAction;
  side: IllSide;
  /** Borrower states it applies to (the lender state follows from them, see PAIRS). */
  from: IllState[] | 'ANY';
  to: Target;
  guard?: Guard;
  /** The ISO 18626 message: what a bridge to an external system sends or receives. */
  iso18626: string;
  /** Outbox event type. */
  event: string;
}

const S = IllState;
const to = (requester: IllState, supplier: IllState | null): Target => ({ kind: 'STATES', requester, supplier });
const next = (outcome: RotaOutcome, supplier: IllState): Target => ({ kind: 'NEXT_LENDER', outcome, supplier });
const SAME: Target = { kind: 'SAME' };
const ON_LOAN = [S.RECEIVED, S.OVERDUE, S.RECALLED];

export const TRANSITIONS: Transition[] = [
  // ── the borrower ──────────────────────────────────────────────────────────────────────────
  // nothing committed yet: the cancel takes effect at once
  { action: IllAction.CANCEL, side: 'BORROWER', from: [S.REQUESTED, S.CONDITIONS_PENDING], to: to(S.CANCELLED, S.CANCELLED), iso18626: 'RequestingAgencyMessage/Cancel', event: 'ill.cancelled' },
  // the lender committed: it must confirm
  { action: IllAction.CANCEL, side: 'BORROWER', from: [S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY], to: to(S.CANCEL_PENDING, S.CANCEL_REQUESTED), iso18626: 'RequestingAgencyMessage/Cancel', event: 'ill.cancel_requested' },
  { action: IllAction.ACCEPT_CONDITIONS, side: 'BORROWER', from: [S.CONDITIONS_PENDING], to: to(S.WILL_SUPPLY, S.WILL_SUPPLY), iso18626: 'RequestingAgencyMessage/Notification (conditions accepted)', event: 'ill.conditions_accepted' },
  { action: IllAction.REJECT_CONDITIONS, side: 'BORROWER', from: [S.CONDITIONS_PENDING], to: next('CONDITIONS_REJECTED', S.CANCELLED), iso18626: 'RequestingAgencyMessage/Cancel (conditions rejected)', event: 'ill.conditions_rejected' },
  { action: IllAction.RECEIVE, side: 'BORROWER', from: [S.SHIPPED], to: to(S.RECEIVED, S.LOANED), iso18626: 'RequestingAgencyMessage/Received', event: 'ill.received' },
  { action: IllAction.RETURN, side: 'BORROWER', from: ON_LOAN, to: to(S.RETURN_SHIPPED, S.RETURN_SHIPPED), iso18626: 'RequestingAgencyMessage/ShippedReturn', event: 'ill.return_shipped' },
  { action: IllAction.REQUEST_RENEWAL, side: 'BORROWER', from: [S.RECEIVED, S.OVERDUE], guard: 'NO_RENEWAL_PENDING', to: SAME, iso18626: 'RequestingAgencyMessage/Renew', event: 'ill.renewal_requested' },
  { action: IllAction.MARK_LOST, side: 'BORROWER', from: [S.SHIPPED, ...ON_LOAN], to: to(S.LOST, S.COMPLETED_WITHOUT_RETURN), iso18626: 'RequestingAgencyMessage/Lost', event: 'ill.lost' },
  { action: IllAction.SEND_MESSAGE, side: 'BORROWER', from: 'ANY', to: SAME, iso18626: 'RequestingAgencyMessage/Notification', event: 'ill.message' },

  // ── the current lender ────────────────────────────────────────────────────────────────────
  { action: IllAction.RESPOND_EXPECT_TO_SUPPLY, side: 'LENDER', from: [S.REQUESTED], to: to(S.EXPECT_TO_SUPPLY, S.EXPECT_TO_SUPPLY), iso18626: 'SupplyingAgencyMessage/ExpectToSupply', event: 'ill.expect_to_supply' },
  { action: IllAction.RESPOND_WILL_SUPPLY, side: 'LENDER', from: [S.REQUESTED, S.EXPECT_TO_SUPPLY], to: to(S.WILL_SUPPLY, S.WILL_SUPPLY), iso18626: 'SupplyingAgencyMessage/WillSupply', event: 'ill.will_supply' },
  { action: IllAction.RESPOND_CONDITIONAL, side: 'LENDER', from: [S.REQUESTED, S.EXPECT_TO_SUPPLY], to: to(S.CONDITIONS_PENDING, S.CONDITIONAL), iso18626: 'SupplyingAgencyMessage/WillSupply (with conditions)', event: 'ill.conditional' },
  { action: IllAction.RESPOND_UNFILLED, side: 'LENDER', from: [S.REQUESTED, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY], to: next('UNFILLED', S.UNFILLED), iso18626: 'SupplyingAgencyMessage/Unfilled', event: 'ill.unfilled' },
  { action: IllAction.RESPOND_RETRY_POSSIBLE, side: 'LENDER', from: [S.REQUESTED, S.EXPECT_TO_SUPPLY], to: next('RETRY_POSSIBLE', S.RETRY_POSSIBLE), iso18626: 'SupplyingAgencyMessage/RetryPossible', event: 'ill.retry_possible' },
  { action: IllAction.ACCEPT_CANCELLATION, side: 'LENDER', from: [S.CANCEL_PENDING], to: to(S.CANCELLED, S.CANCELLED), iso18626: 'SupplyingAgencyMessage/Cancelled (CancelResponse Y)', event: 'ill.cancelled' },
  { action: IllAction.REJECT_CANCELLATION, side: 'LENDER', from: [S.CANCEL_PENDING], to: to(S.WILL_SUPPLY, S.WILL_SUPPLY), iso18626: 'SupplyingAgencyMessage/WillSupply (CancelResponse N)', event: 'ill.cancel_refused' },
  // a lender may ship (or deliver) straight away: shipping says "will supply" by itself
  { action: IllAction.SHIP, side: 'LENDER', from: [S.REQUESTED, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY], guard: 'LOAN_SERVICE', to: to(S.SHIPPED, S.LOANED), iso18626: 'SupplyingAgencyMessage/Loaned', event: 'ill.shipped' },
  { action: IllAction.DELIVER_COPY, side: 'LENDER', from: [S.REQUESTED, S.EXPECT_TO_SUPPLY, S.WILL_SUPPLY], guard: 'COPY_SERVICE', to: to(S.COMPLETED, S.COPY_COMPLETED), iso18626: 'SupplyingAgencyMessage/CopyCompleted', event: 'ill.copy_delivered' },
  // the copy is back at the lender (also when it came back without a ShippedReturn message)
  { action: IllAction.CHECK_IN_RETURNED, side: 'LENDER', from: [S.RETURN_SHIPPED, S.SHIPPED, ...ON_LOAN], to: to(S.COMPLETED, S.LOAN_COMPLETED), iso18626: 'SupplyingAgencyMessage/LoanCompleted', event: 'ill.completed' },
  { action: IllAction.APPROVE_RENEWAL, side: 'LENDER', from: [S.RECEIVED, S.OVERDUE], guard: 'RENEWAL_PENDING', to: to(S.RECEIVED, S.LOANED), iso18626: 'SupplyingAgencyMessage/Loaned (RenewResponse Y)', event: 'ill.renewal_approved' },
  { action: IllAction.DENY_RENEWAL, side: 'LENDER', from: [S.RECEIVED, S.OVERDUE], guard: 'RENEWAL_PENDING', to: SAME, iso18626: 'SupplyingAgencyMessage/Loaned (RenewResponse N)', event: 'ill.renewal_denied' },
  { action: IllAction.RECALL, side: 'LENDER', from: [S.SHIPPED, S.RECEIVED, S.OVERDUE], to: to(S.RECALLED, S.RECALLED), iso18626: 'SupplyingAgencyMessage/Recalled', event: 'ill.recalled' },
  { action: IllAction.SEND_MESSAGE, side: 'LENDER', from: 'ANY', to: SAME, iso18626: 'SupplyingAgencyMessage/Notification', event: 'ill.message' },

  // ── the scheduler ─────────────────────────────────────────────────────────────────────────
  { action: IllAction.TIME_OUT, side: 'SYSTEM', from: [S.REQUESTED], to: next('NO_ANSWER', S.UNFILLED), iso18626: '(no answer within the response time)', event: 'ill.timed_out' },
  { action: IllAction.MARK_OVERDUE, side: 'SYSTEM', from: [S.RECEIVED], to: to(S.OVERDUE, S.OVERDUE), iso18626: 'SupplyingAgencyMessage/Overdue', event: 'ill.overdue' },
];

/** Actions a signed-in patron may take on their own request (the rest is staff work). */
export const PATRON_ACTIONS: ReadonlySet<IllAction> = new Set([IllAction.CANCEL, IllAction.REQUEST_RENEWAL]);

/** What the evaluation needs to know about a request. */
export interface RequestFacts {
  requesterState: IllState;
  serviceType: 'LOAN' | 'COPY' | 'COPY_OR_LOAN';
  renewalPending: boolean;
}

function guardHolds(g: Guard | undefined, r: RequestFacts): boolean {
  switch (g) {
    case undefined:
      return true;
    case 'LOAN_SERVICE':
      return r.serviceType !== 'COPY';
    case 'COPY_SERVICE':
      return r.serviceType !== 'LOAN';
    case 'RENEWAL_PENDING':
      return r.renewalPending;
    case 'NO_RENEWAL_PENDING':
      return !r.renewalPending;
  }
}

/** The transition an action takes from this request's state, or null when it is not allowed. */
export function transitionFor(action: IllAction, side: IllSide, r: RequestFacts): Transition | null {
  for (const t of TRANSITIONS) {
    if (t.action !== action || t.side !== side) continue;
    if (t.from !== 'ANY' && !t.from.includes(r.requesterState)) continue;
    if (!guardHolds(t.guard, r)) continue;
    return t;
  }
  return null;
}

/** Every action the given sides may take now, in declaration order, without duplicates. */
export function allowedActions(r: RequestFacts, sides: { borrower: boolean; lender: boolean; patronOnly: boolean }): IllAction[] {
  const out: IllAction[] = [];
  for (const t of TRANSITIONS) {
    if (t.side === 'SYSTEM') continue;
    if (t.side === 'BORROWER' && !sides.borrower) continue;
    if (t.side === 'LENDER' && !sides.lender) continue;
    if (sides.patronOnly && !PATRON_ACTIONS.has(t.action)) continue;
    if (t.from !== 'ANY' && !t.from.includes(r.requesterState)) continue;
    if (!guardHolds(t.guard, r)) continue;
    if (!out.includes(t.action)) out.push(t.action);
  }
  return out;
}

/** Requester (borrower-view) states in which the borrower has the next move. */
export const BORROWER_ATTENTION = (Object.keys(STATES) as IllState[]).filter((s) => STATES[s].attention === 'BORROWER' && STATES[s].view !== 'LENDER');
/** Lender-view states in which the lender has the next move. */
export const LENDER_ATTENTION = (Object.keys(STATES) as IllState[]).filter((s) => STATES[s].attention === 'LENDER' && STATES[s].view !== 'BORROWER');
/** Lender-view states of open lending work (they count as the lender's load when rotas are ranked). */
export const LENDER_OPEN: IllState[] = [S.REQUEST_RECEIVED, S.EXPECT_TO_SUPPLY, S.CONDITIONAL, S.WILL_SUPPLY, S.CANCEL_REQUESTED];
/** Borrower-view states after which nothing more happens. */
export const TERMINAL = (Object.keys(STATES) as IllState[]).filter((s) => STATES[s].terminal);
