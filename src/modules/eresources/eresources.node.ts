import type { NodeTypeName } from '../../common/ids';
import type { Context } from '../../server/context';
import { Agency, DigitalLoan, EFile, EResource, EResourceStatus } from './eresource.entity';
import { ERESOURCE_RESOLVERS } from './eresources.resolver';
import { eResourcesService, isVisible } from './eresources.service';
import { UsageAction, logUsage } from './usage.service';

/** node(id) for the digital library's types: what the viewer may see, else null. */
export async function eResourceNode(ctx: Context, type: NodeTypeName, id: number): Promise<object | null> {
  switch (type) {
    case 'EResource': {
      const r = await eResourcesService.get(ctx, id);
      if (r && r.status === EResourceStatus.PUBLISHED) await logUsage(ctx, r, UsageAction.INVESTIGATION);
      return r;
    }
    case 'EResourceFile': {
      const f = await ctx.loaders.eFileById.load(id);
      if (!f) return null;
      if (f.eResourceId === null) return f.uploadedBy === ctx.viewer.accountId ? f : null;
      const r = await ctx.loaders.eResourceById.load(f.eResourceId);
      return r && (await isVisible(ctx, r)) ? f : null;
    }
    case 'DigitalLoan': {
      const l = await ctx.em.findOne(DigitalLoan, { id });
      return l && ((ctx.viewer.isPatron && ctx.viewer.patronId === l.patronId) || (ctx.viewer.isStaff && ctx.viewer.worksAt(l.libraryId))) ? l : null;
    }
    case 'Agency':
      return ctx.loaders.agencyById.load(id);
    default:
      return null;
  }
}

/** GraphQL type name of a digital library entity (for the Node interface). */
export function eResourceTypeName(value: unknown): string | undefined {
  if (value instanceof EResource) return 'EResource';
  if (value instanceof EFile) return 'EResourceFile';
  if (value instanceof DigitalLoan) return 'DigitalLoan';
  if (value instanceof Agency) return 'Agency';
  return undefined;
}

export { ERESOURCE_RESOLVERS };
