import { ReferenceKind, type EntityMetadata, type EntityProperty } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

type Row = Record<string, unknown>;
type Step = (row: Row, out: Row) => void;
interface Plan {
  proto: object;
  steps: Step[];
}

const plans = new WeakMap<object, Plan | null>();

/**
 * A database row (column names, as raw SQL returns them) as an entity object for read-only use:
 * the entity's prototype (its getters work, GraphQL resolves it as the entity type) with every column
 * converted as the ORM would (custom types, numbers, dates), and many-to-one relations as references
 * holding only the primary key — what `em.map()` gives, without the identity map, the change
 * tracking and the per-instance property definitions, which on the hot read paths (a page of 20
 * loans with their copies, records and libraries; 200 libraries of a facet) cost more CPU than the
 * SQL. The object is not managed: a write must load its entity through the EntityManager (or use
 * `em.getReference`), never pass this one to `em.create` / `em.assign`.
 */
export function fromRow<T extends object>(em: EntityManager, cls: abstract new (...args: never[]) => T, row: Row): T {
  let plan = plans.get(cls);
  if (plan === undefined) {
    plan = buildPlan(em, em.getMetadata().get(cls.name));
    plans.set(cls, plan);
  }
  if (plan === null) return em.map(cls as never, row as never) as T;
  const out = Object.create(plan.proto) as Row;
  for (const step of plan.steps) step(row, out);
  return out as T;
}

function column(prop: EntityProperty): string {
  return prop.fieldNames?.[0] ?? prop.name;
}

/** The mapping of one entity, or null when it has a shape this mapper leaves to the ORM (collections, embeddables, wrapped references). */
function buildPlan(em: EntityManager, meta: EntityMetadata): Plan | null {
  const platform = em.getPlatform();
  const steps: Step[] = [];
  for (const prop of meta.props) {
    if (prop.persist === false) continue;
    const col = column(prop);
    const read = (row: Row) => (col in row ? row[col] : row[prop.name]);
    if (prop.kind === ReferenceKind.SCALAR) {
      const name = prop.name;
      const custom = prop.customType;
      // after the custom type, as the ORM's hydrator does: numbers from strings (bigint, numeric), dates from strings (JSON rows)
      const after = prop.runtimeType === 'number' ? 'number' : prop.runtimeType === 'Date' ? 'Date' : null;
      steps.push((row, out) => {
        let v = read(row);
        if (v !== null && v !== undefined) {
          if (custom) v = custom.convertToJSValue(v, platform);
          if (after === 'number' && typeof v === 'string') v = Number(v);
          else if (after === 'Date' && (typeof v === 'string' || typeof v === 'number')) v = new Date(v);
        }
        out[name] = v;
      });
    } else if ((prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) && !prop.ref && !prop.mapToPk) {
      const target = prop.targetMeta;
      if (!target || target.primaryKeys.length !== 1) return null;
      const pk = target.properties[target.primaryKeys[0]];
      const proto = shadow(target.prototype, [pk.name]);
      const custom = pk.customType;
      const name = prop.name;
      steps.push((row, out) => {
        const v = read(row);
        if (v === null || v === undefined) {
          out[name] = null;
          return;
        }
        const ref = Object.create(proto) as Row;
        ref[pk.name] = custom ? custom.convertToJSValue(v, platform) : typeof v === 'string' && pk.runtimeType === 'number' ? Number(v) : v;
        out[name] = ref;
      });
    } else {
      return null;
    }
  }
  return { proto: shadow(meta.prototype, meta.props.filter((p) => p.persist !== false).map((p) => p.name)), steps };
}

/**
 * A prototype between the entity's and the object: the ORM puts change-tracking setters on the entity
 * prototype (the first assignment of each property builds the entity's wrapper and instance
 * accessors); plain writable properties of the same names here shadow them, so assignments make
 * ordinary own properties. `instanceof` and the entity's methods and getters still work.
 */
function shadow(proto: object, names: string[]): object {
  const s = Object.create(proto) as object;
  for (const name of names) Object.defineProperty(s, name, { value: undefined, writable: true, enumerable: false, configurable: true });
  return s;
}
