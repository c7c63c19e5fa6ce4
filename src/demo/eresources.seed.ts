import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, query } from '../db/sql';
import { hashPassword } from '../modules/auth/password';
import type { BlobStorage } from '../modules/eresources/storage';
import { makeEpub, makePdf } from './eresource-samples';
import { DEMO_PASSWORD } from './seed';

/** The demo contributor (also in the README's demo accounts). */
export const DEMO_CONTRIBUTOR = { username: 'canbo.snn', agencyCode: 'SNN-BDI', agencyName: 'Sở Nông nghiệp và Phát triển nông thôn Bình Định' };

const KIEU = [
  {
    title: 'Mở đầu',
    paragraphs: [
      'Trăm năm trong cõi người ta,',
      'Chữ tài chữ mệnh khéo là ghét nhau.',
      'Trải qua một cuộc bể dâu,',
      'Những điều trông thấy mà đau đớn lòng.',
      'Lạ gì bỉ sắc tư phong,',
      'Trời xanh quen thói má hồng đánh ghen.',
    ],
  },
  {
    title: 'Chị em Thúy Kiều',
    paragraphs: [
      'Đầu lòng hai ả tố nga,',
      'Thúy Kiều là chị, em là Thúy Vân.',
      'Mai cốt cách, tuyết tinh thần,',
      'Mỗi người một vẻ, mười phân vẹn mười.',
    ],
  },
];

const HICH = `Hịch tướng sĩ (Dụ chư tì tướng hịch văn), Trần Quốc Tuấn, năm 1284.

Ta thường nghe: Kỷ Tín đem mình chết thay, cứu thoát cho Cao Đế; Do Vu chìa lưng chịu giáo, che chở cho Chiêu Vương.

Ta thường tới bữa quên ăn, nửa đêm vỗ gối; ruột đau như cắt, nước mắt đầm đìa; chỉ căm tức chưa xả thịt lột da, nuốt gan uống máu quân thù. Dẫu cho trăm thân này phơi ngoài nội cỏ, nghìn xác này gói trong da ngựa, ta cũng vui lòng.`;

const RICE_GUIDE = [
  'SỔ TAY KỸ THUẬT CANH TÁC LÚA VỤ ĐÔNG XUÂN\nSở Nông nghiệp và Phát triển nông thôn tỉnh Bình Định\n\nTài liệu hướng dẫn bà con nông dân các huyện Tuy Phước, Phù Cát, Phù Mỹ, An Nhơn.',
  'Chương 1. Chọn giống\nƯu tiên giống lúa ngắn ngày, chống chịu rầy nâu và bệnh đạo ôn. Gieo sạ với mật độ 80 đến 100 kg giống trên một héc-ta; ngâm ủ giống trong nước sạch từ 24 đến 36 giờ.',
  'Chương 2. Bón phân cân đối\nBón lót phân hữu cơ hoai mục và lân; bón thúc đạm chia làm ba lần. Theo dõi màu lá lúa để điều chỉnh lượng phân đạm, tránh bón thừa làm lúa lốp đổ.',
  'Chương 3. Quản lý nước và phòng trừ sâu bệnh\nÁp dụng tưới ướt khô xen kẽ tiết kiệm nước. Thăm đồng thường xuyên, phát hiện sớm rầy nâu, sâu cuốn lá; chỉ phun thuốc khi mật độ vượt ngưỡng kinh tế.',
];

const SWINE = `Hướng dẫn phòng, chống bệnh Dịch tả lợn châu Phi trong chăn nuôi nông hộ.

Thực hiện nghiêm các biện pháp an toàn sinh học: vệ sinh, tiêu độc chuồng trại định kỳ bằng vôi bột hoặc hóa chất; không sử dụng thức ăn thừa chưa qua xử lý nhiệt; khi phát hiện lợn ốm, chết phải báo ngay cho chính quyền và cán bộ thú y xã.`;

const NEWS = `Bình Định xưa và nay: tập san địa chí.

Thành Hoàng Đế (thành Đồ Bàn) nằm ở thị xã An Nhơn, từng là kinh đô của vương triều Tây Sơn dưới thời Thái Đức hoàng đế Nguyễn Nhạc. Tháp Cánh Tiên, tháp Bánh Ít và tháp Dương Long là những di tích Chăm Pa tiêu biểu của vùng đất võ.`;

async function store(em: EntityManager, storage: BlobStorage, bytes: Buffer, contentType: string, filename: string, uploadedBy: number): Promise<number> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const temp = await storage.createTemp();
  await new Promise<void>((resolve, reject) => temp.stream.end(bytes, () => resolve()).on('error', reject));
  await temp.commit(sha256);
  await query(em, `insert into e_blobs (sha256, size, content_type, text_status) values (?, ?, ?, 'PENDING') on conflict do nothing`, [sha256, bytes.length, contentType]);
  const rows = await query<{ id: string }>(
    em,
    `insert into e_files (sha256, filename, content_type, size, uploaded_by) values (?, ?, ?, ?, ?) returning id`,
    [sha256, filename, contentType, bytes.length, uploadedBy],
  );
  return Number(rows[0].id);
}

interface DemoResource {
  kind: string;
  status: string;
  library: string;
  agency?: boolean;
  policy: string;
  title: string;
  creators: string[];
  subjects: string[];
  description: string;
  publisher?: string;
  date: string;
  rights: string;
  source?: string;
  coverage?: string;
  recordTitle?: string;
  licence?: { provider: string; users: number; notes: string };
  file: () => Promise<{ bytes: Buffer; type: string; name: string }>;
}

const RESOURCES: DemoResource[] = [
  {
    kind: 'DIGITISED',
    status: 'PUBLISHED',
    library: 'BDI-PL',
    policy: 'PUBLIC',
    title: 'Truyện Kiều (trích)',
    creators: ['Nguyễn Du'],
    subjects: ['Văn học Việt Nam', 'Truyện thơ Nôm'],
    description: 'Bản số hóa đoạn mở đầu Truyện Kiều (Đoạn trường tân thanh), tác phẩm thuộc phạm vi công cộng.',
    date: '1820',
    rights: 'Phạm vi công cộng',
    recordTitle: 'Truyện Kiều',
    file: async () => ({ bytes: await makeEpub('Truyện Kiều (trích)', KIEU), type: 'application/epub+zip', name: 'truyen-kieu-trich.epub' }),
  },
  {
    kind: 'DIGITISED',
    status: 'PUBLISHED',
    library: 'BDI-PL',
    policy: 'PUBLIC',
    title: 'Hịch tướng sĩ',
    creators: ['Trần Quốc Tuấn'],
    subjects: ['Văn học trung đại', 'Lịch sử Việt Nam'],
    description: 'Bài hịch của Hưng Đạo Đại vương Trần Quốc Tuấn trước cuộc kháng chiến chống quân Nguyên - Mông lần thứ hai.',
    date: '1284',
    rights: 'Phạm vi công cộng',
    file: async () => ({ bytes: Buffer.from(HICH), type: 'text/plain', name: 'hich-tuong-si.txt' }),
  },
  {
    kind: 'DIGITISED',
    status: 'PUBLISHED',
    library: 'BDI-PL',
    policy: 'ON_SITE',
    title: 'Bình Định xưa và nay (tập san địa chí)',
    creators: ['Thư viện tỉnh Bình Định'],
    subjects: ['Địa chí', 'Bình Định'],
    description: 'Tập san địa chí số hóa; chỉ đọc tại phòng đọc của thư viện tỉnh.',
    date: '1998',
    rights: 'Đọc tại thư viện',
    coverage: 'Bình Định',
    file: async () => ({ bytes: Buffer.from(NEWS), type: 'text/plain', name: 'binh-dinh-xua-va-nay.txt' }),
  },
  {
    kind: 'CONTRIBUTED',
    status: 'PUBLISHED',
    library: 'BDI-PL',
    agency: true,
    policy: 'PUBLIC',
    title: 'Sổ tay kỹ thuật canh tác lúa vụ Đông Xuân',
    creators: ['Sở Nông nghiệp và Phát triển nông thôn Bình Định'],
    subjects: ['Nông nghiệp', 'Lúa', 'Khuyến nông'],
    description: 'Hướng dẫn chọn giống, bón phân, quản lý nước và phòng trừ sâu bệnh cho lúa vụ Đông Xuân.',
    publisher: 'Sở Nông nghiệp và Phát triển nông thôn Bình Định',
    date: '2025-10',
    rights: 'Tài liệu công, được phép sao chép phi thương mại',
    coverage: 'Bình Định',
    file: async () => ({ bytes: await makePdf(RICE_GUIDE, 'Sổ tay kỹ thuật canh tác lúa'), type: 'application/pdf', name: 'so-tay-canh-tac-lua.pdf' }),
  },
  {
    kind: 'CONTRIBUTED',
    status: 'SUBMITTED',
    library: 'BDI-PL',
    agency: true,
    policy: 'PUBLIC',
    title: 'Hướng dẫn phòng, chống bệnh Dịch tả lợn châu Phi',
    creators: ['Chi cục Chăn nuôi và Thú y Bình Định'],
    subjects: ['Chăn nuôi', 'Thú y'],
    description: 'Biện pháp an toàn sinh học trong chăn nuôi lợn nông hộ (chờ thư viện tỉnh duyệt).',
    publisher: 'Sở Nông nghiệp và Phát triển nông thôn Bình Định',
    date: '2025',
    rights: 'Tài liệu công',
    file: async () => ({ bytes: Buffer.from(SWINE), type: 'text/plain', name: 'phong-chong-dich-ta-lon.txt' }),
  },
  {
    kind: 'LICENSED',
    status: 'PUBLISHED',
    library: 'BDI-PL',
    policy: 'NETWORK_PATRONS',
    title: 'Lịch sử vương triều Tây Sơn (sách điện tử)',
    creators: ['Nhiều tác giả'],
    subjects: ['Lịch sử Việt Nam', 'Tây Sơn'],
    description: 'Sách điện tử có bản quyền: hai bạn đọc mượn cùng lúc, 14 ngày mỗi lượt.',
    publisher: 'Nhà xuất bản Tổng hợp',
    date: '2020',
    rights: 'Bản quyền thuộc nhà xuất bản; chỉ đọc qua thư viện',
    licence: { provider: 'Nhà xuất bản Tổng hợp', users: 2, notes: 'Gói thuê bao năm 2026' },
    file: async () => ({
      bytes: await makePdf(['Lịch sử vương triều Tây Sơn', 'Phong trào Tây Sơn khởi nghĩa năm 1771 tại ấp Tây Sơn, phủ Quy Nhơn.'], 'Lịch sử vương triều Tây Sơn'),
      type: 'application/pdf',
      name: 'lich-su-tay-son.pdf',
    }),
  },
];

/**
 * Seeds the digital library of the demo network (once: when the demo network exists and has no
 * e-resource yet): public-domain texts, a department's agriculture guide (a generated PDF), one
 * contribution waiting for review, a licensed e-book, the agency and its demo contributor account.
 */
export async function seedDemoEResources(em: EntityManager, storage: BlobStorage): Promise<number | null> {
  return em.transactional(async (tx) => {
    await query(tx, `select pg_advisory_xact_lock(hashtext('shelfnet:seed-demo-eresources'))`);
    const pl = await query<{ id: string }>(tx, `select id from libraries where code = 'BDI-PL'`);
    const any = await query<{ n: string }>(tx, 'select count(*) n from e_resources');
    if (!pl[0] || Number(any[0].n) > 0) return null;
    const libraryId = Number(pl[0].id);
    const staff = await query<{ id: string }>(tx, `select id from accounts where username = 'librarian.bdi-pl'`);
    if (!staff[0]) return null;
    const staffId = Number(staff[0].id);
    const agency = await query<{ id: string }>(
      tx,
      `insert into agencies (code, name, library_id) values (?, ?, ?) on conflict (code) do update set name = excluded.name returning id`,
      [DEMO_CONTRIBUTOR.agencyCode, DEMO_CONTRIBUTOR.agencyName, libraryId],
    );
    const agencyId = Number(agency[0].id);
    const contributor = await query<{ id: string }>(
      tx,
      `insert into accounts (username, password_hash, display_name, role, agency_id) values (?, ?, ?, 'CONTRIBUTOR', ?)
       on conflict (username) do update set password_hash = excluded.password_hash returning id`,
      [DEMO_CONTRIBUTOR.username, await hashPassword(DEMO_PASSWORD), 'Cán bộ Sở Nông nghiệp', agencyId],
    );
    const contributorId = Number(contributor[0].id);
    for (const r of RESOURCES) {
      const file = await r.file();
      const uploader = r.agency ? contributorId : staffId;
      const fileId = await store(tx, storage, file.bytes, file.type, file.name, uploader);
      const record = r.recordTitle ? await query<{ id: string }>(tx, 'select id from bib_records where title = ? order by id limit 1', [r.recordTitle]) : [];
      const ins = await query<{ id: string }>(
        tx,
        `insert into e_resources (kind, status, library_id, agency_id, record_id, access_policy, title, creators, subjects, description,
                                  publisher, dc_date, dc_type, dc_format, language, rights, coverage, licence_provider,
                                  licence_concurrent_users, licence_notes, loan_days, created_by, submitted_by, submitted_at,
                                  reviewed_by, reviewed_at, review_decision, published_at)
         values (?, 'DRAFT', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'vie', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null) returning id`,
        [
          r.kind, libraryId, r.agency ? agencyId : null, record[0]?.id ?? null, r.policy, r.title, pgArray(tx, r.creators, 'text'), pgArray(tx, r.subjects, 'text'),
          r.description, r.publisher ?? null, r.date, file.type.startsWith('text/') || file.type.startsWith('application/') ? 'Text' : 'Image', file.type,
          r.rights, r.coverage ?? null, r.licence?.provider ?? null, r.licence?.users ?? null, r.licence?.notes ?? null, r.licence ? 14 : null,
          uploader, r.agency ? contributorId : null, r.agency ? new Date() : null, r.agency && r.status === 'PUBLISHED' ? staffId : null,
          r.agency && r.status === 'PUBLISHED' ? new Date() : null, r.agency && r.status === 'PUBLISHED' ? 'APPROVE' : null,
        ],
      );
      const id = Number(ins[0].id);
      await query(tx, 'update e_files set e_resource_id = ?, position = 1 where id = ?', [id, fileId]);
      // the status change goes through the triggers like any publication (online holdings)
      await query(tx, `update e_resources set status = ?, published_at = case when ? = 'PUBLISHED' then now() end where id = ?`, [r.status, r.status, id]);
      if (r.status === 'PUBLISHED' && !record[0]) {
        const rec = await query<{ id: string }>(
          tx,
          `insert into bib_records (title, contributors, publisher, year, language, subjects, format, description)
           values (?, ?::jsonb, ?, ?, 'vie', ?, 'DIGITAL', ?) returning id`,
          [r.title, JSON.stringify(r.creators.map((name) => ({ name, role: 'author' }))), r.publisher ?? null, Number(r.date.slice(0, 4)), pgArray(tx, r.subjects, 'text'), r.description],
        );
        await query(tx, 'update e_resources set record_id = ?, record_generated = true where id = ?', [rec[0].id, id]);
      }
    }
    // the reading room of the provincial library (and this machine, so ON_SITE opens locally in the demo)
    await query(tx, `insert into library_ip_ranges (library_id, range) values (?, '203.113.130.0/24'), (?, '127.0.0.0/8'), (?, '::1/128') on conflict do nothing`, [
      libraryId,
      libraryId,
      libraryId,
    ]);
    return RESOURCES.length;
  });
}
