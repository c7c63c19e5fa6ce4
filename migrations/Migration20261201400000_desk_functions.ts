import { Migration } from '@mikro-orm/migrations';

/**
 * The desk's steps as database functions (issue 3's throughput target: 300 desk transactions/s).
 *
 * A checkout was six round trips (BEGIN, lock the copy, lock the patron, count their loans, write,
 * COMMIT) and a check-in eight; each round trip costs both processes a wake-up and PostgreSQL a parse
 * and plan of a long statement. As functions, a checkout or an ordinary check-in is one statement in
 * its own transaction, and PL/pgSQL keeps the plans of its statements. Every check precedes every
 * write, so a function that answers a refusal (`outcome` other than DONE) has changed nothing.
 *
 * The pieces (an item's status change, a transit, routing a free copy, closing a loan, receiving a
 * transit, an event) are functions of their own, and the application's other paths (holds, the
 * scheduler, inter-library requests) call the same ones: each rule lives in one place.
 *
 * Lock order as before: the copy first, then holds and the patron. Inside a function each statement
 * reads a fresh snapshot (READ COMMITTED), so a patron's open loans are counted after their lock is
 * granted and include a loan a concurrent desk committed meanwhile.
 */
export class Migration20261201400000_desk_functions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
-- ids without nulls and repeats, in their first order (PL/pgSQL, as the functions below, keeps its
-- plans across calls; a SQL function that is not inlined is planned again on every call)
create function sn_distinct_ids(a bigint[]) returns bigint[] language plpgsql immutable as $$
declare
  r bigint[] := '{}';
  x bigint;
begin
  foreach x in array coalesce(a, '{}') loop
    if x is not null and not x = any(r) then r := r || x; end if;
  end loop;
  return r;
end $$;

-- an event in the outbox (the API process that committed it wakes the others: no NOTIFY here, see
-- EventHub.committed)
create function sn_emit(p_type text, p_libraries bigint[], p_entity text, p_entity_id bigint, p_payload jsonb)
returns void language plpgsql as $$
begin
  insert into events (type, library_ids, entity, entity_id, payload)
  values (p_type, sn_distinct_ids(p_libraries), p_entity, p_entity_id, p_payload);
end $$;

-- the most specific circulation rule for a library, patron category and format (the migration of
-- circulation seeds the network default, so there always is one). A set of one row, so that the
-- planner inlines it into the statement that reads it (FROM sn_policy(...)).
create function sn_policy(p_library bigint, p_category text, p_format text)
returns setof circulation_policies language sql stable rows 1 as $$
  select * from circulation_policies cp
   where (cp.library_id = p_library or cp.library_id is null)
     and (cp.patron_category = p_category or cp.patron_category is null)
     and (cp.format = p_format or cp.format is null)
   order by (cp.library_id is not null) desc, (cp.patron_category is not null) desc, (cp.format is not null) desc
   limit 1
$$;

-- the end of the local day, n days from today, in a time zone
create function sn_end_of_local_day(p_time_zone text, p_days int) returns timestamptz language sql stable as $$
  select (date_trunc('day', now() at time zone p_time_zone) + make_interval(days => p_days) + interval '1 day' - interval '1 second')
         at time zone p_time_zone
$$;

-- a copy's status, with its event when it changes
create function sn_set_item_status(p_item bigint, p_status text) returns void language plpgsql as $$
declare
  v record;
begin
  select i.id, i.status, i.library_id, i.barcode into v from items i where i.id = p_item;
  if not found or v.status = p_status then return; end if;
  update items set status = p_status, updated_at = now() where id = p_item;
  perform sn_emit('item.status_changed', array[v.library_id], 'Item', v.id,
                  jsonb_build_object('itemId', v.id, 'barcode', v.barcode, 'before', v.status, 'after', p_status));
end $$;

-- sends a copy on its way: the transit, its event, the copy IN_TRANSIT
create function sn_start_transit(p_item bigint, p_from bigint, p_to bigint, p_reason text, p_hold bigint, p_ill_request bigint)
returns bigint language plpgsql as $$
declare
  v record;
  v_transit bigint;
begin
  select i.library_id, i.barcode into v from items i where i.id = p_item;
  insert into transits (item_id, from_library_id, to_library_id, reason, hold_id, ill_request_id)
  values (p_item, p_from, p_to, p_reason, p_hold, p_ill_request) returning id into v_transit;
  perform sn_emit('transit.started', array[p_from, p_to, v.library_id], 'Transit', v_transit,
                  jsonb_build_object('transitId', v_transit, 'itemId', p_item, 'barcode', v.barcode, 'from', p_from, 'to', p_to,
                                     'reason', p_reason, 'holdId', p_hold, 'illRequestId', p_ill_request));
  perform sn_set_item_status(p_item, 'IN_TRANSIT');
  return v_transit;
end $$;

-- Where a copy that is now free at a library goes, and doing it: to the hold shelf there for the first
-- waiting hold it can fill, in transit to that hold's pickup library, home to its owner, or back on
-- the shelf. The copy is locked by the caller; the hold is taken with SKIP LOCKED, so two copies
-- returned at once never capture the same hold. A copy that may not leave its library (not lendable,
-- or a library that does not lend to the network) fills only holds for pickup at its own library.
create function sn_route_free_item(p_item bigint, p_at bigint, p_captured_hold bigint,
  out route_action text, out route_hold_id bigint, out route_transit_id bigint, out route_to_library_id bigint,
  out new_item_status text)
language plpgsql as $$
declare
  v record;
  v_hold bigint;
  v_patron bigint;
  v_pickup bigint;
  v_category text;
  v_time_zone text;
  v_policy circulation_policies;
begin
  select i.id, i.record_id, i.library_id, i.barcode, i.loanable, i.lendable and lib.lends_to_network travels, r.format
    into v
    from items i join bib_records r on r.id = i.record_id join libraries lib on lib.id = i.library_id
   where i.id = p_item;
  if p_captured_hold is not null then
    select h.id, h.patron_id, h.pickup_library_id, p.category into v_hold, v_patron, v_pickup, v_category
      from holds h join patrons p on p.id = h.patron_id
     where h.id = p_captured_hold and h.status = 'IN_TRANSIT' and h.pickup_library_id = p_at
       for update of h;
  end if;
  if v_hold is null and v.loanable then
    select h.id, h.patron_id, h.pickup_library_id, p.category into v_hold, v_patron, v_pickup, v_category
      from holds h join patrons p on p.id = h.patron_id join libraries pl on pl.id = h.pickup_library_id
     where h.status = 'WAITING'
       and (h.suspended_until is null or h.suspended_until <= now())
       and (h.item_id = v.id or (h.item_id is null and h.record_id = v.record_id))
       and (h.pickup_library_id = v.library_id or (v.travels and pl.borrows_from_network))
     order by h.id
     limit 1
       for update of h skip locked;
  end if;
  if v_hold is not null and v_pickup = p_at then
    select coalesce(max(l.time_zone), 'Asia/Ho_Chi_Minh') into v_time_zone from libraries l where l.id = v_pickup;
    select * into v_policy from sn_policy(v_pickup, v_category, v.format);
    update holds set status = 'READY_FOR_PICKUP', captured_item_id = v.id, ready_at = now(),
           shelf_expires_at = sn_end_of_local_day(v_time_zone, v_policy.hold_shelf_days)
     where id = v_hold;
    perform sn_set_item_status(v.id, 'ON_HOLD_SHELF');
    perform sn_emit('hold.ready', array[v_pickup, v.library_id], 'Hold', v_hold,
                    jsonb_build_object('holdId', v_hold, 'itemId', v.id, 'barcode', v.barcode, 'patronId', v_patron,
                                       'status', 'READY_FOR_PICKUP'));
    route_action := 'HOLD_SHELF'; route_hold_id := v_hold; route_to_library_id := v_pickup;
  elsif v_hold is not null then
    update holds set status = 'IN_TRANSIT', captured_item_id = v.id where id = v_hold;
    route_transit_id := sn_start_transit(v.id, p_at, v_pickup, 'HOLD', v_hold, null);
    route_action := 'TRANSIT'; route_hold_id := v_hold; route_to_library_id := v_pickup;
  elsif v.library_id <> p_at then
    route_transit_id := sn_start_transit(v.id, p_at, v.library_id, 'RETURN_HOME', null, null);
    route_action := 'TRANSIT'; route_to_library_id := v.library_id;
  else
    perform sn_set_item_status(v.id, 'AVAILABLE');
    route_action := 'RESHELVE';
  end if;
  select i.status into new_item_status from items i where i.id = v.id;
end $$;

-- Closes a copy's open loan at a desk, with its lateness in the lending library's local days and the
-- rule's fine, and its event. A loan with a fine stays linked to its patron until the fine is settled;
-- otherwise a patron who keeps no history is unlinked. No open loan: a null loan, no lateness.
create function sn_close_loan(p_item bigint, p_desk bigint,
  out closed_loan_id bigint, out closed_library_id bigint, out closed_ill_request_id bigint,
  out closed_overdue_days int, out closed_fine_vnd int)
language plpgsql as $$
declare
  v record;
  v_keep boolean;
  v_fine_per_day int;
begin
  closed_overdue_days := 0;
  closed_fine_vnd := 0;
  select i.library_id, i.barcode, r.format into v from items i join bib_records r on r.id = i.record_id where i.id = p_item;
  select l.id, l.library_id, l.ill_request_id, pol.fine_per_day, p.keep_loan_history,
         greatest(0, (now() at time zone lib.time_zone)::date - (l.due_at at time zone lib.time_zone)::date)
    into closed_loan_id, closed_library_id, closed_ill_request_id, v_fine_per_day, v_keep, closed_overdue_days
    from loans l join libraries lib on lib.id = l.library_id left join patrons p on p.id = l.patron_id
    cross join lateral sn_policy(l.library_id, coalesce(p.category, 'ADULT'), v.format) pol
   where l.item_id = p_item and l.returned_at is null;
  if closed_loan_id is null then
    closed_overdue_days := 0;
    return;
  end if;
  closed_fine_vnd := closed_overdue_days * v_fine_per_day;
  update loans l set returned_at = now(), checkin_library_id = p_desk, overdue_days = closed_overdue_days,
         fine_vnd = closed_fine_vnd, overdue = l.overdue or closed_overdue_days > 0,
         patron_id = case when v_keep is distinct from false or closed_fine_vnd > 0 then l.patron_id end,
         anonymised = not (v_keep is distinct from false or closed_fine_vnd > 0)
   where l.id = closed_loan_id;
  perform sn_emit('loan.returned', array[closed_library_id, p_desk, v.library_id], 'Loan', closed_loan_id,
                  jsonb_build_object('loanId', closed_loan_id, 'itemId', p_item, 'barcode', v.barcode,
                                     'overdueDays', closed_overdue_days, 'fineVnd', closed_fine_vnd, 'checkinLibraryId', p_desk));
end $$;

-- Closes the open transit of a copy arriving at its destination, with its event; nulls when the copy
-- travels elsewhere.
create function sn_complete_transit(p_item bigint, p_at bigint,
  out received_transit_id bigint, out received_hold_id bigint, out received_reason text, out received_ill_request_id bigint)
language plpgsql as $$
declare
  v_from bigint;
  v record;
begin
  update transits t set received_at = now()
   where t.item_id = p_item and t.received_at is null and t.to_library_id = p_at
  returning t.id, t.hold_id, t.reason, t.ill_request_id, t.from_library_id
       into received_transit_id, received_hold_id, received_reason, received_ill_request_id, v_from;
  if received_transit_id is null then return; end if;
  select i.library_id, i.barcode into v from items i where i.id = p_item;
  perform sn_emit('transit.received', array[p_at, v_from, v.library_id], 'Transit', received_transit_id,
                  jsonb_build_object('transitId', received_transit_id, 'itemId', p_item, 'barcode', v.barcode, 'at', p_at));
end $$;

-- A checkout at a desk: the copy (locked), the hold it is on the shelf for, the patron (locked), the
-- rule, the loan limit; then the loan, the holds it serves (the one on the shelf, and the patron's own
-- waiting hold on the title), the copy ON_LOAN, their events and the audit row. A copy on a hold shelf
-- is lent by the pickup library's desk, any other by its owner's. Outcomes other than DONE are
-- refusals (detail: the status, the block reason, the expiry date or the loan limit).
create function sn_checkout(p_barcode text, p_card text, p_actor_account bigint, p_actor_api_client bigint,
  p_viewer_library bigint, p_network_admin boolean,
  out outcome text, out detail text, out loan loans, out item_row jsonb)
language plpgsql as $$
declare
  v record;
  v_patron record;
  v_lending bigint;
  v_held bigint;
  v_held_patron bigint;
  v_held_pickup bigint;
  v_open bigint;
  v_hold record;
  v_libraries bigint[];
begin
  select i.id, i.record_id, i.library_id, i.status, i.loanable, r.format into v
    from items i join bib_records r on r.id = i.record_id
   where i.barcode = p_barcode
     for update of i;
  if not found then outcome := 'ITEM_NOT_FOUND'; return; end if;
  v_lending := v.library_id;
  if v.status = 'ON_HOLD_SHELF' then
    select h.id, h.patron_id, h.pickup_library_id into v_held, v_held_patron, v_held_pickup
      from holds h where h.captured_item_id = v.id and h.status = 'READY_FOR_PICKUP'
       for update;
    if v_held is not null then v_lending := v_held_pickup; end if;
  end if;
  if not (p_network_admin or p_viewer_library is not distinct from v_lending) then outcome := 'NOT_PERMITTED'; return; end if;
  select p.id, p.home_library_id, p.status, p.block_reason, to_char(p.expires_on, 'YYYY-MM-DD') expires_on,
         p.expires_on < (now() at time zone 'Asia/Ho_Chi_Minh')::date expired, pol.loan_days, pol.max_loans, lib.time_zone
    into v_patron
    from patrons p join libraries lib on lib.id = v_lending
    cross join lateral sn_policy(lib.id, p.category, v.format) pol
   where p.card_number = p_card
     for update of p;
  if not found then outcome := 'PATRON_NOT_FOUND'; return; end if;
  if v_patron.status = 'BLOCKED' then outcome := 'PATRON_BLOCKED'; detail := v_patron.block_reason; return; end if;
  if v_patron.status = 'EXPIRED' or v_patron.expired then outcome := 'PATRON_EXPIRED'; detail := v_patron.expires_on; return; end if;
  if not v.loanable then outcome := 'ITEM_NOT_LOANABLE'; return; end if;
  if v.status = 'ON_HOLD_SHELF' then
    if v_held is null or v_held_patron <> v_patron.id then outcome := 'ITEM_ON_HOLD_FOR_OTHER'; return; end if;
  elsif v.status <> 'AVAILABLE' then
    outcome := 'ITEM_NOT_AVAILABLE'; detail := v.status; return;
  end if;
  select count(*) into v_open from loans l where l.patron_id = v_patron.id and l.returned_at is null;
  if v_open >= v_patron.max_loans then outcome := 'LOAN_LIMIT_REACHED'; detail := v_patron.max_loans::text; return; end if;

  insert into loans (item_id, patron_id, library_id, checked_out_by, due_at)
  values (v.id, v_patron.id, v_lending, p_actor_account, sn_end_of_local_day(v_patron.time_zone, v_patron.loan_days))
  returning * into loan;
  perform sn_emit('loan.created', array[v_lending, v.library_id, v_patron.home_library_id], 'Loan', loan.id,
                  jsonb_build_object('loanId', loan.id, 'itemId', loan.item_id, 'barcode', p_barcode, 'patronId', loan.patron_id,
                                     'dueAt', loan.due_at));
  v_libraries := array[v_lending, v.library_id];
  for v_hold in
    update holds h set status = 'FULFILLED', closed_at = now()
     where h.id = v_held and v.status = 'ON_HOLD_SHELF'
    returning h.id
  loop
    perform sn_emit('hold.fulfilled', v_libraries, 'Hold', v_hold.id,
                    jsonb_build_object('holdId', v_hold.id, 'loanId', loan.id, 'patronId', loan.patron_id));
  end loop;
  for v_hold in
    update holds h set status = 'FULFILLED', closed_at = now()
     where h.patron_id = v_patron.id and h.record_id = v.record_id and h.status = 'WAITING'
       and (h.item_id is null or h.item_id = v.id)
    returning h.id
  loop
    perform sn_emit('hold.fulfilled', v_libraries, 'Hold', v_hold.id,
                    jsonb_build_object('holdId', v_hold.id, 'loanId', loan.id, 'patronId', loan.patron_id));
  end loop;
  perform sn_set_item_status(v.id, 'ON_LOAN');
  insert into audit_log (actor_account_id, actor_api_client_id, library_id, action, entity, entity_id, before, after)
  values (p_actor_account, p_actor_api_client, v_lending, 'checkoutItem', 'Loan', loan.id,
          jsonb_build_object('itemStatus', v.status),
          jsonb_build_object('itemStatus', 'ON_LOAN', 'patronId', loan.patron_id, 'dueAt', loan.due_at));
  select to_jsonb(i) into item_row from items i where i.id = v.id;
  outcome := 'DONE';
end $$;

-- A check-in at a desk (any network library): the copy (locked); its open loan closed, or its transit
-- received when it arrives at its destination; then routed (hold shelf, transit, shelf) and audited.
-- A copy of an inter-library request is resource sharing's to move: DEFER, with nothing changed, and
-- the application runs its own check-in. Refusals: ITEM_NOT_FOUND, NO_TRANSIT (it travels to another
-- library), ITEM_NOT_CHECKED_OUT (detail: its status).
create function sn_checkin(p_barcode text, p_desk bigint, p_actor_account bigint, p_actor_patron bigint, p_actor_api_client bigint,
  out outcome text, out detail text, out action text, out item_id bigint, out loan_id bigint, out hold_id bigint,
  out transit_id bigint, out destination_library_id bigint, out overdue_days int, out fine_vnd int, out item_row jsonb)
language plpgsql as $$
#variable_conflict use_column
declare
  v record;
  v_closed record;
  v_received record;
  v_route record;
  v_travelled_for bigint;
  v_received_transit bigint;
begin
  overdue_days := 0;
  fine_vnd := 0;
  select i.id, i.status into v from items i where i.barcode = p_barcode for update of i;
  if not found then outcome := 'ITEM_NOT_FOUND'; return; end if;
  item_id := v.id;
  if v.status = 'ON_LOAN' then
    if exists (select 1 from loans l where l.item_id = v.id and l.returned_at is null and l.ill_request_id is not null) then
      outcome := 'DEFER'; return;
    end if;
    select * into v_closed from sn_close_loan(v.id, p_desk);
    loan_id := v_closed.closed_loan_id;
    overdue_days := v_closed.closed_overdue_days;
    fine_vnd := v_closed.closed_fine_vnd;
  elsif v.status = 'IN_TRANSIT' then
    if exists (select 1 from transits t where t.item_id = v.id and t.received_at is null and t.to_library_id = p_desk
                 and t.ill_request_id is not null) then
      outcome := 'DEFER'; return;
    end if;
    select * into v_received from sn_complete_transit(v.id, p_desk);
    if v_received.received_transit_id is null then outcome := 'NO_TRANSIT'; return; end if;
    v_travelled_for := v_received.received_hold_id;
    v_received_transit := v_received.received_transit_id;
  elsif v.status not in ('AVAILABLE', 'MISSING') then
    outcome := 'ITEM_NOT_CHECKED_OUT'; detail := v.status; return;
  end if;
  select * into v_route from sn_route_free_item(v.id, p_desk, v_travelled_for);
  action := v_route.route_action;
  hold_id := v_route.route_hold_id;
  transit_id := coalesce(v_route.route_transit_id, v_received_transit);
  destination_library_id := v_route.route_to_library_id;
  insert into audit_log (actor_account_id, actor_patron_id, actor_api_client_id, library_id, action, entity, entity_id, before, after)
  values (p_actor_account, p_actor_patron, p_actor_api_client, p_desk, 'checkinItem', 'Item', v.id,
          jsonb_build_object('itemStatus', v.status),
          jsonb_build_object('itemStatus', v_route.new_item_status, 'action', v_route.route_action, 'loanId', loan_id,
                             'overdueDays', overdue_days, 'fineVnd', fine_vnd));
  select to_jsonb(i) into item_row from items i where i.id = v.id;
  outcome := 'DONE';
end $$;
`);
  }

  override async down(): Promise<void> {
    this.addSql(`
drop function if exists sn_checkin(text, bigint, bigint, bigint, bigint);
drop function if exists sn_checkout(text, text, bigint, bigint, bigint, boolean);
drop function if exists sn_complete_transit(bigint, bigint);
drop function if exists sn_close_loan(bigint, bigint);
drop function if exists sn_route_free_item(bigint, bigint, bigint);
drop function if exists sn_start_transit(bigint, bigint, bigint, text, bigint, bigint);
drop function if exists sn_set_item_status(bigint, text);
drop function if exists sn_end_of_local_day(text, int);
drop function if exists sn_policy(bigint, text, text);
drop function if exists sn_emit(text, bigint[], text, bigint, jsonb);
drop function if exists sn_distinct_ids(bigint[]);
`);
  }
}
