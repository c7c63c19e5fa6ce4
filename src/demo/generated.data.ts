import type { PublisherKey } from './publishers.data';
import type { Category } from './records.data';

/**
 * Word lists from which `network.ts` builds the rest of the catalogue deterministically. Titles
 * here are invented but typical of what Vietnamese public libraries hold; authors for them are
 * generated from the name lists below (so they are fictional people).
 */

// ------------------------------------------------------------------------------------- names

export const SURNAMES = [
  'Nguyễn', 'Nguyễn', 'Nguyễn', 'Nguyễn', 'Trần', 'Trần', 'Lê', 'Lê', 'Phạm', 'Huỳnh', 'Võ', 'Phan',
  'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý', 'Đinh', 'Trương', 'Đoàn', 'Lâm', 'Mai', 'Hoàng',
  'Tạ', 'Lương', 'Châu', 'Đào', 'Vũ',
] as const;
export const MALE_MIDDLE = ['Văn', 'Đức', 'Minh', 'Hữu', 'Quang', 'Công', 'Đình', 'Xuân', 'Thanh', 'Ngọc', 'Tấn', 'Trọng', 'Anh'] as const;
export const FEMALE_MIDDLE = ['Thị', 'Thị', 'Ngọc', 'Thanh', 'Thu', 'Kim', 'Minh', 'Thùy', 'Hồng', 'Bích', 'Mỹ'] as const;
export const MALE_GIVEN = [
  'An', 'Bình', 'Cường', 'Dũng', 'Hải', 'Hùng', 'Khoa', 'Long', 'Nam', 'Phong', 'Phúc', 'Quân', 'Sơn',
  'Thành', 'Trung', 'Tuấn', 'Vinh', 'Hiếu', 'Lợi', 'Tâm', 'Toàn', 'Nhân', 'Khải', 'Định', 'Thắng', 'Lộc',
] as const;
export const FEMALE_GIVEN = [
  'Hà', 'Hương', 'Lan', 'Linh', 'Mai', 'Nga', 'Thảo', 'Yến', 'Trang', 'Hạnh', 'Nhung', 'Oanh', 'Phượng',
  'Vân', 'Hằng', 'Dung', 'Loan', 'Thư', 'Ngân', 'Diễm',
] as const;

// ------------------------------------------------------------------------------------- titles

/** One invented title with everything but its people and imprint. */
export interface TitleSpec {
  t: string;
  st?: string;
  ddc: string;
  subj: string[];
  d?: string;
  cat: Category;
  pubs: PublisherKey[];
  school?: boolean;
  museum?: boolean;
  ref?: boolean;
  /** People who wrote it: 'author' (default), 'editor' (compiled/chủ biên) or 'retold' (author + illustrator). */
  people?: 'author' | 'editor' | 'retold' | 'corporate';
  corporate?: string;
  /** Publication years that make sense for the subject (e.g. no 'chuyển đổi số' before 2020). */
  minYear?: number;
  maxYear?: number;
}

export interface Topic {
  n: string;
  ddc: string;
  s: string;
  k?: 'aqua' | 'live';
  minYear?: number;
}

export interface Template {
  t: (x: string) => string;
  d: (x: string) => string;
  /** Restrict to a kind of topic. */
  only?: 'aqua' | 'live';
  minYear?: number;
}

export const PLANTS: readonly Topic[] = [
  { n: 'lúa', ddc: '633.18', s: 'Lúa' },
  { n: 'ngô', ddc: '633.15', s: 'Ngô' },
  { n: 'dừa', ddc: '634.61', s: 'Dừa' },
  { n: 'xoài', ddc: '634.44', s: 'Cây ăn quả' },
  { n: 'điều', ddc: '634.573', s: 'Cây điều' },
  { n: 'mía', ddc: '633.61', s: 'Mía' },
  { n: 'sắn', ddc: '633.682', s: 'Sắn' },
  { n: 'lạc', ddc: '633.368', s: 'Lạc' },
  { n: 'hồ tiêu', ddc: '633.84', s: 'Hồ tiêu' },
  { n: 'rau an toàn', ddc: '635', s: 'Rau', minYear: 2000 },
  { n: 'keo lai', ddc: '634.9', s: 'Lâm nghiệp', minYear: 1995 },
  { n: 'thanh long', ddc: '634.775', s: 'Cây ăn quả' },
  { n: 'bưởi', ddc: '634.31', s: 'Cây ăn quả' },
  { n: 'ớt', ddc: '635.643', s: 'Rau' },
  { n: 'đậu xanh', ddc: '635.65', s: 'Cây họ đậu' },
];

export const PLANT_TEMPLATES: readonly Template[] = [
  {
    t: (x) => `Kỹ thuật trồng và chăm sóc ${x}`,
    d: (x) => `Hướng dẫn chọn giống, làm đất, bón phân, tưới nước và chăm sóc ${x} theo quy trình thâm canh, phù hợp với điều kiện khí hậu Nam Trung Bộ.`,
  },
  {
    t: (x) => `Phòng trừ sâu bệnh hại ${x}`,
    d: (x) => `Cách nhận biết các loại sâu, bệnh thường gặp trên ${x} và biện pháp phòng trừ tổng hợp, an toàn cho người sản xuất.`,
  },
  {
    t: (x) => `Sổ tay trồng ${x} cho nông hộ`,
    d: (x) => `Sổ tay ngắn gọn, nhiều hình minh họa, giúp nông hộ áp dụng kỹ thuật trồng ${x} đạt hiệu quả kinh tế.`,
  },
  {
    t: (x) => `Giống ${x} mới và kỹ thuật thâm canh`,
    d: (x) => `Giới thiệu các giống ${x} mới được khuyến cáo sản xuất và kỹ thuật thâm canh tăng năng suất.`,
  },
  {
    t: (x) => `Hỏi đáp kỹ thuật trồng ${x}`,
    d: (x) => `Giải đáp những câu hỏi bà con nông dân thường gặp khi trồng và chăm sóc ${x}.`,
  },
  {
    t: (x) => `Bón phân cân đối cho ${x}`,
    d: (x) => `Nhu cầu dinh dưỡng của ${x} qua từng giai đoạn sinh trưởng và cách bón phân cân đối, tiết kiệm.`,
  },
  {
    t: (x) => `Canh tác ${x} theo hướng hữu cơ`,
    d: (x) => `Quy trình canh tác ${x} hữu cơ, từ cải tạo đất, sử dụng phân hữu cơ vi sinh đến thu hoạch và chứng nhận.`,
    minYear: 2008,
  },
  {
    t: (x) => `Trồng ${x} thích ứng với biến đổi khí hậu`,
    d: (x) => `Các biện pháp kỹ thuật giúp sản xuất ${x} ổn định trong điều kiện hạn hán, xâm nhập mặn và thời tiết cực đoan.`,
    minYear: 2010,
  },
];

export const ANIMALS: readonly Topic[] = [
  { n: 'tôm thẻ chân trắng', ddc: '639.68', s: 'Nuôi tôm', k: 'aqua', minYear: 2005 },
  { n: 'tôm sú', ddc: '639.68', s: 'Nuôi tôm', k: 'aqua' },
  { n: 'tôm hùm lồng', ddc: '639.54', s: 'Nuôi tôm hùm', k: 'aqua' },
  { n: 'cá rô phi', ddc: '639.3758', s: 'Nuôi cá', k: 'aqua' },
  { n: 'cá lóc', ddc: '639.375', s: 'Nuôi cá', k: 'aqua' },
  { n: 'cua biển', ddc: '639.56', s: 'Nuôi cua', k: 'aqua' },
  { n: 'ốc hương', ddc: '639.48', s: 'Nuôi nhuyễn thể', k: 'aqua' },
  { n: 'bò thịt', ddc: '636.213', s: 'Chăn nuôi bò', k: 'live' },
  { n: 'lợn', ddc: '636.4', s: 'Chăn nuôi lợn', k: 'live' },
  { n: 'gà thả vườn', ddc: '636.5', s: 'Chăn nuôi gà', k: 'live' },
  { n: 'vịt', ddc: '636.597', s: 'Chăn nuôi vịt', k: 'live' },
  { n: 'dê', ddc: '636.39', s: 'Chăn nuôi dê', k: 'live' },
  { n: 'ong mật', ddc: '638.1', s: 'Nuôi ong', k: 'live' },
];

export const ANIMAL_TEMPLATES: readonly Template[] = [
  {
    t: (x) => `Kỹ thuật nuôi ${x}`,
    d: (x) => `Hướng dẫn chọn giống, chuồng trại hoặc ao nuôi, thức ăn, chăm sóc và quản lý ${x} theo quy trình khép kín.`,
  },
  {
    t: (x) => `Phòng và trị bệnh thường gặp ở ${x}`,
    d: (x) => `Triệu chứng, nguyên nhân và cách phòng, trị các bệnh thường gặp ở ${x}; sử dụng thuốc thú y an toàn.`,
  },
  {
    t: (x) => `Hỏi đáp về nuôi ${x}`,
    d: (x) => `Những câu hỏi thực tế của người chăn nuôi về ${x} và lời giải đáp của cán bộ khuyến nông.`,
  },
  {
    t: (x) => `Nuôi ${x} an toàn sinh học`,
    d: (x) => `Các nguyên tắc an toàn sinh học trong nuôi ${x}: cách ly, vệ sinh, tiêm phòng và xử lý chất thải.`,
    only: 'live',
    minYear: 2005,
  },
  {
    t: (x) => `Sổ tay nuôi ${x} thương phẩm`,
    d: (x) => `Kỹ thuật nuôi ${x} thương phẩm từ khâu chuẩn bị ao, lồng, thả giống đến thu hoạch; quản lý môi trường nước.`,
    only: 'aqua',
  },
  {
    t: (x) => `Quản lý môi trường ao nuôi ${x}`,
    d: (x) => `Theo dõi và điều chỉnh các yếu tố môi trường nước trong ao nuôi ${x}; xử lý sự cố thường gặp.`,
    only: 'aqua',
  },
];

export const AGRI_FIXED: readonly TitleSpec[] = [
  { t: 'Cẩm nang khuyến nông Bình Định', ddc: '630', subj: ['Nông nghiệp', 'Khuyến nông', 'Bình Định'], cat: 'AGRI', pubs: ['KN_BD'], people: 'corporate', corporate: 'Trung tâm Khuyến nông Bình Định', d: 'Tổng hợp các quy trình kỹ thuật trồng trọt, chăn nuôi và thủy sản được khuyến cáo áp dụng trên địa bàn tỉnh.' },
  { t: 'Nông nghiệp công nghệ cao', st: 'mô hình và kinh nghiệm', ddc: '630.2', subj: ['Nông nghiệp', 'Nông nghiệp công nghệ cao'], cat: 'AGRI', pubs: ['NN', 'KHKT'], minYear: 2012 },
  { t: 'Ứng phó với biến đổi khí hậu trong sản xuất nông nghiệp', ddc: '630.2515', subj: ['Nông nghiệp', 'Biến đổi khí hậu'], cat: 'AGRI', pubs: ['NN'], minYear: 2010 },
  { t: 'Hỏi đáp về xây dựng nông thôn mới', ddc: '307.1412', subj: ['Nông thôn mới', 'Phát triển nông thôn'], cat: 'AGRI', pubs: ['NN', 'CTQG'], people: 'editor', minYear: 2010 },
  { t: 'Hệ thống canh tác lúa cải tiến SRI', ddc: '633.18', subj: ['Nông nghiệp', 'Lúa', 'Canh tác'], cat: 'AGRI', pubs: ['NN'], minYear: 2008 },
  { t: 'Quản lý dịch hại tổng hợp trên cây trồng', ddc: '632.9', subj: ['Nông nghiệp', 'Bảo vệ thực vật'], cat: 'AGRI', pubs: ['NN', 'NNHCM'], minYear: 1995 },
  { t: 'Sản xuất phân bón hữu cơ vi sinh tại nông hộ', ddc: '631.86', subj: ['Nông nghiệp', 'Phân bón'], cat: 'AGRI', pubs: ['NN'] },
  { t: 'Khai thác và bảo quản hải sản trên tàu cá', ddc: '639.2', subj: ['Thủy sản', 'Khai thác hải sản'], cat: 'AGRI', pubs: ['NN', 'NNHCM'] },
  { t: 'Kỹ thuật câu cá ngừ đại dương', ddc: '639.2783', subj: ['Thủy sản', 'Khai thác hải sản', 'Cá ngừ'], cat: 'AGRI', pubs: ['NN'], d: 'Kỹ thuật câu vàng, câu tay kết hợp ánh sáng khai thác cá ngừ đại dương và bảo quản theo công nghệ Nhật Bản.', minYear: 2005 },
];

export const LAW_TOPICS: readonly Topic[] = [
  { n: 'đất đai', ddc: '346.597043', s: 'Luật đất đai' },
  { n: 'hôn nhân và gia đình', ddc: '346.597015', s: 'Hôn nhân và gia đình' },
  { n: 'thừa kế', ddc: '346.597052', s: 'Thừa kế' },
  { n: 'lao động', ddc: '344.59701', s: 'Luật lao động' },
  { n: 'bảo hiểm xã hội', ddc: '344.597021', s: 'Bảo hiểm xã hội' },
  { n: 'giao thông đường bộ', ddc: '343.597094', s: 'Giao thông đường bộ' },
  { n: 'phòng, chống bạo lực gia đình', ddc: '345.597025', s: 'Bạo lực gia đình' },
  { n: 'bảo vệ môi trường', ddc: '344.597046', s: 'Môi trường' },
  { n: 'quyền trẻ em', ddc: '346.597013', s: 'Quyền trẻ em' },
  { n: 'xử lý vi phạm hành chính', ddc: '342.597066', s: 'Vi phạm hành chính' },
  { n: 'hòa giải ở cơ sở', ddc: '347.59709', s: 'Hòa giải' },
  { n: 'khiếu nại, tố cáo', ddc: '342.597066', s: 'Khiếu nại, tố cáo' },
  { n: 'phòng, chống ma túy', ddc: '345.5970277', s: 'Ma túy' },
  { n: 'thủy sản', ddc: '343.5970769', s: 'Thủy sản' },
  { n: 'hợp đồng dân sự', ddc: '346.59702', s: 'Hợp đồng' },
];

export const LAW_TEMPLATES: readonly Template[] = [
  {
    t: (x) => `Hỏi - đáp pháp luật về ${x}`,
    d: (x) => `Các câu hỏi - đáp ngắn gọn, dễ hiểu về quy định pháp luật hiện hành liên quan đến ${x}.`,
  },
  {
    t: (x) => `Tìm hiểu pháp luật về ${x}`,
    d: (x) => `Giới thiệu những nội dung cơ bản của các văn bản pháp luật về ${x} và hướng dẫn áp dụng.`,
  },
  {
    t: (x) => `Sổ tay pháp luật về ${x} dành cho cán bộ cơ sở`,
    d: (x) => `Tài liệu nghiệp vụ giúp cán bộ xã, phường, thị trấn giải quyết các việc liên quan đến ${x}.`,
  },
  {
    t: (x) => `Tình huống pháp luật về ${x}`,
    d: (x) => `Phân tích các tình huống thực tế về ${x}, trích dẫn điều luật và hướng giải quyết.`,
  },
];

const FOLK = ['Truyện cổ tích', 'Văn học thiếu nhi', 'Văn học dân gian'];

export const CHILD_TITLES: readonly TitleSpec[] = [
  // Folk tales, retold and illustrated.
  ...[
    'Tấm Cám', 'Thạch Sanh', 'Sọ Dừa', 'Cây tre trăm đốt', 'Sự tích trầu cau', 'Sơn Tinh, Thủy Tinh',
    'Thánh Gióng', 'Con Rồng cháu Tiên', 'Sự tích dưa hấu', 'Cây khế', 'Sự tích Hồ Gươm', 'Chử Đồng Tử',
    'Sự tích chú Cuội cung trăng', 'Sự tích bánh chưng, bánh giầy', 'Cóc kiện trời',
  ].map(
    (t): TitleSpec => ({ t, st: 'truyện tranh cổ tích Việt Nam', ddc: '398.209597', subj: FOLK, cat: 'CHILD', pubs: ['KD', 'KD', 'GD'], school: true, people: 'retold' }),
  ),
  // Picture-book history.
  ...[
    { t: 'Hai Bà Trưng', ddc: '959.701' },
    { t: 'Ngô Quyền đánh tan quân Nam Hán', ddc: '959.701' },
    { t: 'Lý Thường Kiệt', ddc: '959.7023' },
    { t: 'Trần Hưng Đạo', ddc: '959.7024' },
    { t: 'Lê Lợi và khởi nghĩa Lam Sơn', ddc: '959.7025' },
    { t: 'Quang Trung đại phá quân Thanh', ddc: '959.7028', museum: true },
    { t: 'Nữ tướng Bùi Thị Xuân', ddc: '959.7028', museum: true },
  ].map(
    (x): TitleSpec => ({ ...x, st: 'tranh truyện lịch sử Việt Nam', subj: ['Lịch sử', 'Truyện tranh', 'Văn học thiếu nhi'], cat: 'CHILD', pubs: ['KD'], school: true, people: 'retold' }),
  ),
  // Knowledge books.
  { t: 'Em yêu biển đảo quê hương', ddc: '959.7', subj: ['Biển đảo', 'Giáo dục', 'Thiếu nhi'], cat: 'CHILD', pubs: ['KD', 'GD'], school: true },
  { t: 'Bé học an toàn giao thông', ddc: '363.125', subj: ['An toàn giao thông', 'Kỹ năng sống', 'Thiếu nhi'], cat: 'CHILD', pubs: ['KD', 'GD'], school: true },
  { t: 'Phòng tránh đuối nước cho trẻ em', ddc: '613.69', subj: ['Kỹ năng sống', 'Phòng tránh đuối nước', 'Thiếu nhi'], cat: 'CHILD', pubs: ['KD', 'PN'], school: true, d: 'Những kỹ năng cơ bản giúp các em nhận biết nguy cơ, phòng tránh đuối nước khi tắm biển, tắm sông và cách sơ cứu người bị nạn.' },
  { t: 'Khám phá hệ Mặt Trời', ddc: '523.2', subj: ['Thiên văn học', 'Khoa học thường thức', 'Thiếu nhi'], cat: 'CHILD', pubs: ['KD', 'TRE'], school: true },
  { t: 'Những loài vật quanh em', ddc: '590', subj: ['Động vật', 'Khoa học thường thức', 'Thiếu nhi'], cat: 'CHILD', pubs: ['KD'], school: true },
  { t: 'Bách khoa tri thức cho trẻ em', st: 'Cơ thể người', ddc: '612', subj: ['Cơ thể người', 'Bách khoa', 'Thiếu nhi'], cat: 'CHILD', pubs: ['KD', 'GD'], school: true },
  { t: 'Vì sao bầu trời có màu xanh?', st: 'giải đáp khoa học cho thiếu nhi', ddc: '500', subj: ['Khoa học thường thức', 'Thiếu nhi'], cat: 'CHILD', pubs: ['KD', 'TRE'], school: true },
  { t: 'Các loài cá ở biển Việt Nam', ddc: '597.177', subj: ['Cá biển', 'Khoa học thường thức', 'Thiếu nhi'], cat: 'CHILD', pubs: ['KD', 'KHKT'], school: true },
  { t: 'Em tập vẽ', st: 'dành cho học sinh tiểu học', ddc: '741.2', subj: ['Mỹ thuật', 'Vẽ', 'Thiếu nhi'], cat: 'CHILD', pubs: ['GD', 'KD'], school: true },
  { t: 'Truyện đọc lớp 4', ddc: '372.6', subj: ['Tiếng Việt', 'Sách tham khảo', 'Tiểu học'], cat: 'CHILD', pubs: ['GD'], school: true, people: 'editor' },
  { t: 'Tiếng Việt vui', ddc: '495.922', subj: ['Tiếng Việt', 'Trò chơi ngôn ngữ', 'Thiếu nhi'], cat: 'CHILD', pubs: ['GD', 'KD'], school: true },
  { t: 'Gương hiếu học đất Bình Định', ddc: '920.0597', subj: ['Gương người tốt', 'Giáo dục', 'Bình Định'], cat: 'CHILD', pubs: ['KD', 'HVH_BD'], school: true },
];

export const HIST_TITLES: readonly TitleSpec[] = [
  { t: 'Phong trào Tây Sơn trên đất Bình Định', ddc: '959.7028', subj: ['Lịch sử', 'Nhà Tây Sơn', 'Bình Định'], cat: 'HIST', pubs: ['KHXH', 'HVH_BD'], museum: true, d: 'Quá trình hình thành, phát triển của phong trào Tây Sơn từ ấp Tây Sơn thượng đạo đến thành Hoàng Đế, qua tư liệu và di tích tại Bình Định.' },
  { t: 'Quang Trung - Nguyễn Huệ và sự nghiệp thống nhất đất nước', ddc: '959.7028', subj: ['Lịch sử', 'Nhà Tây Sơn', 'Quang Trung'], cat: 'HIST', pubs: ['CTQG', 'KHXH'], museum: true },
  { t: 'Chiến thắng Ngọc Hồi - Đống Đa', st: 'mùa xuân Kỷ Dậu 1789', ddc: '959.7028', subj: ['Lịch sử', 'Nhà Tây Sơn', 'Chiến tranh'], cat: 'HIST', pubs: ['QDND'], museum: true },
  { t: 'Tây Sơn tam kiệt', ddc: '959.7028', subj: ['Lịch sử', 'Nhà Tây Sơn', 'Nhân vật lịch sử'], cat: 'HIST', pubs: ['TRE', 'THH'], museum: true },
  { t: 'Nữ tướng Tây Sơn Bùi Thị Xuân', ddc: '959.7028', subj: ['Lịch sử', 'Nhà Tây Sơn', 'Nhân vật lịch sử'], cat: 'HIST', pubs: ['PN', 'VHTT'], museum: true },
  { t: 'Đào Duy Từ', st: 'nhà quân sự, nhà văn hóa xứ Đàng Trong', ddc: '959.7027', subj: ['Lịch sử', 'Nhân vật lịch sử', 'Đàng Trong'], cat: 'HIST', pubs: ['KHXH', 'THH'] },
  { t: 'Lịch sử các triều đại Việt Nam', ddc: '959.7', subj: ['Lịch sử', 'Việt Nam'], cat: 'HIST', pubs: ['TN', 'VHTT'] },
  { t: 'Các đời vua triều Nguyễn', ddc: '959.7029', subj: ['Lịch sử', 'Nhà Nguyễn'], cat: 'HIST', pubs: ['THH'] },
  { t: 'Bình Định trong kháng chiến chống Mỹ cứu nước (1954-1975)', ddc: '959.7043', subj: ['Lịch sử', 'Kháng chiến chống Mỹ', 'Bình Định'], cat: 'HIST', pubs: ['QDND', 'CTQG'], people: 'editor' },
  { t: 'Kháng chiến chống thực dân Pháp ở Liên khu V', ddc: '959.7041', subj: ['Lịch sử', 'Kháng chiến chống Pháp', 'Liên khu V'], cat: 'HIST', pubs: ['QDND'] },
  { t: 'Đà Nẵng xưa và nay', ddc: '959.7', subj: ['Lịch sử', 'Đà Nẵng', 'Địa chí'], cat: 'HIST', pubs: ['DN'], d: 'Lịch sử hình thành cửa biển Đà Nẵng từ thời Chămpa, thời các chúa Nguyễn đến thành phố trực thuộc trung ương ngày nay.' },
  { t: 'Biển Đông và chủ quyền biển đảo Việt Nam', ddc: '959.7', subj: ['Biển đảo', 'Chủ quyền', 'Lịch sử'], cat: 'HIST', pubs: ['CTQG', 'TTX'], minYear: 2010 },
  { t: 'Những trận đánh nổi tiếng trong lịch sử Việt Nam', ddc: '959.7', subj: ['Lịch sử', 'Lịch sử quân sự'], cat: 'HIST', pubs: ['QDND', 'TN'], school: true },
  { t: 'Hội An', st: 'thương cảng cổ xứ Quảng', ddc: '959.7', subj: ['Lịch sử', 'Hội An', 'Di sản văn hóa'], cat: 'HIST', pubs: ['DN', 'THH'] },
  { t: 'Lịch sử Việt Nam từ nguồn gốc đến năm 1858', ddc: '959.7', subj: ['Lịch sử', 'Việt Nam'], cat: 'HIST', pubs: ['GD'], people: 'editor' },
  { t: 'Văn hóa Sa Huỳnh', ddc: '959.701', subj: ['Khảo cổ học', 'Văn hóa Sa Huỳnh'], cat: 'HIST', pubs: ['KHXH'], museum: true },
  { t: 'Hỏi đáp lịch sử Việt Nam', st: 'Tập 3: Từ Lê sơ đến Tây Sơn', ddc: '959.7', subj: ['Lịch sử', 'Việt Nam'], cat: 'HIST', pubs: ['TRE'], school: true, people: 'editor', minYear: 1995 },
  { t: 'Kể chuyện danh nhân Việt Nam', ddc: '920.0597', subj: ['Danh nhân', 'Tiểu sử', 'Việt Nam'], cat: 'HIST', pubs: ['GD', 'KD'], school: true },
];

export const LOCAL_TITLES: readonly TitleSpec[] = [
  { t: 'Võ cổ truyền Bình Định', st: 'lịch sử và các bài quyền tiêu biểu', ddc: '796.815', subj: ['Võ cổ truyền', 'Võ thuật', 'Bình Định'], cat: 'LOCAL', pubs: ['VHDT', 'TN'], museum: true, d: 'Nguồn gốc, các dòng võ, các võ đường nổi tiếng và những bài quyền, bài binh khí tiêu biểu của đất võ Bình Định.' },
  { t: 'Nghệ thuật tuồng Bình Định', ddc: '792.09597', subj: ['Tuồng', 'Nghệ thuật sân khấu', 'Bình Định'], cat: 'LOCAL', pubs: ['SK', 'VHDT'] },
  { t: 'Bài chòi Bình Định', st: 'di sản văn hóa phi vật thể đại diện của nhân loại', ddc: '792.09597', subj: ['Bài chòi', 'Di sản văn hóa phi vật thể', 'Bình Định'], cat: 'LOCAL', pubs: ['VHDT', 'SVH_BD'], d: 'Nghệ thuật bài chòi dân gian ở Bình Định: luật chơi, hệ thống làn điệu, nghệ nhân và hành trình được UNESCO ghi danh năm 2017.', minYear: 2018 },
  { t: 'Ca dao, dân ca Bình Định', ddc: '398.809597', subj: ['Ca dao', 'Dân ca', 'Bình Định'], cat: 'LOCAL', pubs: ['VHDT', 'HVH_BD'], people: 'editor' },
  { t: 'Văn học dân gian Bình Định', st: 'Tập 2: Truyện kể', ddc: '398.209597', subj: ['Văn học dân gian', 'Truyện kể', 'Bình Định'], cat: 'LOCAL', pubs: ['KHXH', 'HVH_BD'], people: 'editor' },
  { t: 'Làng nghề truyền thống Bình Định', ddc: '680.9597', subj: ['Làng nghề', 'Thủ công mỹ nghệ', 'Bình Định'], cat: 'LOCAL', pubs: ['VHDT', 'HVH_BD'] },
  { t: 'Ẩm thực Bình Định', st: 'hương vị đất võ trời văn', ddc: '641.59597', subj: ['Ẩm thực', 'Nấu ăn', 'Bình Định'], cat: 'LOCAL', pubs: ['PN', 'TH'] },
  { t: 'Lễ hội dân gian Bình Định', ddc: '394.2609597', subj: ['Lễ hội', 'Văn hóa dân gian', 'Bình Định'], cat: 'LOCAL', pubs: ['VHDT'] },
  { t: 'Di tích và danh thắng Bình Định', ddc: '915.97', subj: ['Di tích lịch sử', 'Danh lam thắng cảnh', 'Bình Định'], cat: 'LOCAL', pubs: ['SVH_BD', 'VHTT'], people: 'corporate', corporate: 'Sở Văn hóa và Thể thao Bình Định', minYear: 2008 },
  { t: 'Tháp Chăm Bình Định', ddc: '726.145', subj: ['Tháp Chăm', 'Kiến trúc', 'Chămpa', 'Bình Định'], cat: 'LOCAL', pubs: ['KHXH', 'HVH_BD'], museum: true, d: 'Khảo tả các cụm tháp Chăm trên đất Bình Định: Dương Long, Bánh Ít, Cánh Tiên, Tháp Đôi, Phú Lốc, Thủ Thiện và Bình Lâm.' },
  { t: 'Nghệ thuật điêu khắc Chămpa ở Bình Định', ddc: '730.9597', subj: ['Điêu khắc', 'Chămpa', 'Bình Định'], cat: 'LOCAL', pubs: ['KHXH', 'TG'], museum: true },
  { t: 'Thành Đồ Bàn', st: 'kinh đô Vijaya của vương quốc Chămpa', ddc: '959.7', subj: ['Chămpa', 'Khảo cổ học', 'Bình Định'], cat: 'LOCAL', pubs: ['KHXH'], museum: true },
  { t: 'Thành Hoàng Đế', st: 'kinh đô của vương triều Tây Sơn', ddc: '959.7028', subj: ['Nhà Tây Sơn', 'Di tích lịch sử', 'Bình Định'], cat: 'LOCAL', pubs: ['KHXH', 'HVH_BD'], museum: true },
  { t: 'Tín ngưỡng thờ cá Ông ở vùng biển Bình Định', ddc: '398.4109597', subj: ['Tín ngưỡng dân gian', 'Văn hóa biển', 'Bình Định'], cat: 'LOCAL', pubs: ['VHDT'] },
  { t: 'Người H’rê ở An Lão', ddc: '305.89593', subj: ['Dân tộc H’rê', 'Dân tộc học', 'An Lão'], cat: 'LOCAL', pubs: ['VHDT'] },
  { t: 'Người Chăm H’roi ở Vân Canh', ddc: '305.8992', subj: ['Dân tộc Chăm', 'Dân tộc học', 'Vân Canh'], cat: 'LOCAL', pubs: ['VHDT'] },
  { t: 'Đầm Thị Nại', st: 'lịch sử, sinh thái và kinh tế', ddc: '577.78', subj: ['Đầm phá', 'Sinh thái học', 'Bình Định'], cat: 'LOCAL', pubs: ['KHKT', 'DHQN'] },
  { t: 'Quy Nhơn - 420 năm hình thành và phát triển (1602-2022)', ddc: '959.7', subj: ['Lịch sử', 'Quy Nhơn', 'Địa chí'], cat: 'LOCAL', pubs: ['CTQG', 'HVH_BD'], people: 'editor', minYear: 2022 },
  { t: 'Nước Mặn', st: 'nơi khai sinh chữ Quốc ngữ', ddc: '495.92211', subj: ['Chữ Quốc ngữ', 'Lịch sử', 'Tuy Phước'], cat: 'LOCAL', pubs: ['THH', 'HVH_BD'] },
  { t: 'Danh nhân Bình Định', ddc: '920.0597', subj: ['Danh nhân', 'Tiểu sử', 'Bình Định'], cat: 'LOCAL', pubs: ['HVH_BD', 'VHTT'], people: 'editor' },
  { t: 'Bàn Thành tứ hữu', st: 'tuyển thơ', ddc: '895.9221', subj: ['Văn học Việt Nam', 'Thơ', 'Bình Định'], cat: 'LOCAL', pubs: ['HNV', 'HVH_BD'], people: 'editor', d: 'Tuyển thơ của nhóm Bàn Thành tứ hữu ở Quy Nhơn: Hàn Mặc Tử, Chế Lan Viên, Quách Tấn và Yến Lan.' },
  { t: 'Lịch sử Đảng bộ tỉnh Bình Định (1930-1975)', ddc: '324.2597075', subj: ['Lịch sử Đảng', 'Bình Định'], cat: 'LOCAL', pubs: ['CTQG'], people: 'corporate', corporate: 'Ban Chấp hành Đảng bộ tỉnh Bình Định' },
  { t: 'Nón ngựa Phú Gia', ddc: '391.43', subj: ['Làng nghề', 'Nón lá', 'Phù Cát'], cat: 'LOCAL', pubs: ['VHDT', 'HVH_BD'] },
  { t: 'Đào Tấn', st: 'cuộc đời và sự nghiệp', ddc: '792.092', subj: ['Đào Tấn', 'Tuồng', 'Bình Định'], cat: 'LOCAL', pubs: ['SK', 'HVH_BD'] },
  { t: 'Kinh tế biển Bình Định', st: 'tiềm năng và định hướng phát triển', ddc: '338.9597', subj: ['Kinh tế biển', 'Bình Định'], cat: 'LOCAL', pubs: ['CTQG', 'KHXH'], minYear: 2005 },
  { t: 'Phật giáo Bình Định', st: 'lịch sử và di sản', ddc: '294.309597', subj: ['Phật giáo', 'Bình Định'], cat: 'LOCAL', pubs: ['THH', 'VHDT'] },
  { t: 'Chùa Thập Tháp Di Đà', ddc: '294.3435', subj: ['Phật giáo', 'Chùa', 'Bình Định'], cat: 'LOCAL', pubs: ['THH', 'HVH_BD'] },
];

export const GENERAL_TITLES: readonly TitleSpec[] = [
  { t: 'Tin học văn phòng căn bản', ddc: '005.5', subj: ['Tin học', 'Tin học văn phòng'], cat: 'GENERAL', pubs: ['TTTT', 'KHKT', 'TH'], minYear: 1998 },
  { t: 'Lập trình Python cho người mới bắt đầu', ddc: '005.133', subj: ['Tin học', 'Lập trình'], cat: 'GENERAL', pubs: ['KHKT', 'TTTT'], school: true, minYear: 2016 },
  { t: 'An toàn thông tin cho người dùng phổ thông', ddc: '005.8', subj: ['Tin học', 'An toàn thông tin'], cat: 'GENERAL', pubs: ['TTTT'], minYear: 2005 },
  { t: 'Chuyển đổi số cho doanh nghiệp nhỏ và vừa', ddc: '658.4038', subj: ['Chuyển đổi số', 'Quản trị doanh nghiệp'], cat: 'GENERAL', pubs: ['TTTT', 'LD'], minYear: 2020 },
  { t: 'Kỹ năng giao tiếp và ứng xử', ddc: '153.6', subj: ['Kỹ năng sống', 'Giao tiếp'], cat: 'GENERAL', pubs: ['TN', 'PN'] },
  { t: 'Kỹ năng sống cho học sinh trung học', ddc: '646.7', subj: ['Kỹ năng sống', 'Học sinh'], cat: 'GENERAL', pubs: ['GD', 'TN'], school: true },
  { t: 'Nuôi dạy con thời đại số', ddc: '649.1', subj: ['Nuôi dạy con', 'Gia đình'], cat: 'GENERAL', pubs: ['PN'], minYear: 2016 },
  { t: 'Dinh dưỡng cho trẻ dưới 5 tuổi', ddc: '613.2083', subj: ['Dinh dưỡng', 'Sức khỏe', 'Trẻ em'], cat: 'GENERAL', pubs: ['YH', 'PN'], minYear: 1995 },
  { t: 'Phòng chống sốt xuất huyết trong cộng đồng', ddc: '616.91852', subj: ['Y học', 'Sốt xuất huyết', 'Y tế cộng đồng'], cat: 'GENERAL', pubs: ['YH'] },
  { t: 'Sơ cấp cứu ban đầu', ddc: '616.0252', subj: ['Y học', 'Sơ cứu'], cat: 'GENERAL', pubs: ['YH'] },
  { t: 'Cây thuốc nam quanh ta', ddc: '615.321', subj: ['Cây thuốc', 'Y học cổ truyền'], cat: 'GENERAL', pubs: ['YH', 'NN'] },
  { t: 'Chăm sóc sức khỏe người cao tuổi', ddc: '613.0438', subj: ['Sức khỏe', 'Người cao tuổi'], cat: 'GENERAL', pubs: ['YH'] },
  { t: 'Món ngon miền Trung', ddc: '641.59597', subj: ['Nấu ăn', 'Ẩm thực'], cat: 'GENERAL', pubs: ['PN', 'TH'] },
  { t: 'Khởi nghiệp từ nông thôn', ddc: '658.11', subj: ['Khởi nghiệp', 'Kinh tế nông thôn'], cat: 'GENERAL', pubs: ['LD', 'TN'], minYear: 2015 },
  { t: 'Kinh tế hợp tác xã kiểu mới', ddc: '334.09597', subj: ['Hợp tác xã', 'Kinh tế'], cat: 'GENERAL', pubs: ['CTQG', 'NN'], minYear: 2013 },
  { t: 'Quản lý tài chính cá nhân', ddc: '332.024', subj: ['Tài chính cá nhân'], cat: 'GENERAL', pubs: ['LD', 'TH'] },
  { t: 'Du lịch cộng đồng', st: 'lý thuyết và thực tiễn ở miền Trung', ddc: '338.4791', subj: ['Du lịch', 'Du lịch cộng đồng'], cat: 'GENERAL', pubs: ['DHQG', 'THH'], minYear: 2005 },
  { t: 'Cẩm nang du lịch Đà Nẵng - Hội An', ddc: '915.97', subj: ['Du lịch', 'Đà Nẵng', 'Hội An'], cat: 'GENERAL', pubs: ['DN', 'TTX'], d: 'Lịch trình gợi ý, điểm tham quan, lưu trú và ẩm thực ở Đà Nẵng, Hội An và vùng phụ cận; kèm bản đồ.', minYear: 2000 },
  { t: 'Quy Nhơn - Kỳ Co - Eo Gió', st: 'cẩm nang du lịch', ddc: '915.97', subj: ['Du lịch', 'Quy Nhơn', 'Bình Định'], cat: 'GENERAL', pubs: ['TTX', 'TH'], minYear: 2016 },
  { t: 'Ngữ pháp tiếng Việt', ddc: '495.9225', subj: ['Tiếng Việt', 'Ngữ pháp'], cat: 'GENERAL', pubs: ['GD', 'KHXH'] },
  { t: 'Tiếng Anh giao tiếp cho hướng dẫn viên du lịch', ddc: '428.34', subj: ['Tiếng Anh', 'Du lịch'], cat: 'GENERAL', pubs: ['TH', 'DHQG'] },
  { t: 'Nghiệp vụ thư viện cơ sở', ddc: '025', subj: ['Thư viện học', 'Nghiệp vụ thư viện'], cat: 'GENERAL', pubs: ['LD', 'TG'], d: 'Hướng dẫn bổ sung, xử lý kỹ thuật, tổ chức kho và phục vụ bạn đọc dành cho cán bộ thư viện xã, phường và trường học.' },
  { t: 'Phòng chống thiên tai cho cộng đồng ven biển', ddc: '363.3493', subj: ['Thiên tai', 'Phòng chống bão lụt'], cat: 'GENERAL', pubs: ['NN', 'TNMT'], minYear: 2000 },
  { t: 'Năng lượng tái tạo ở Việt Nam', ddc: '333.794', subj: ['Năng lượng tái tạo', 'Môi trường'], cat: 'GENERAL', pubs: ['KHKT'], minYear: 2010 },
  { t: 'Biến đổi khí hậu và nước biển dâng', ddc: '551.6', subj: ['Biến đổi khí hậu', 'Môi trường'], cat: 'GENERAL', pubs: ['TNMT', 'KHKT'], minYear: 2008 },
  { t: 'Tâm lý học lứa tuổi học sinh', ddc: '155.5', subj: ['Tâm lý học', 'Học sinh'], cat: 'GENERAL', pubs: ['GD', 'DHQG'] },
  { t: 'Phương pháp dạy học tích cực', ddc: '371.3', subj: ['Giáo dục', 'Phương pháp dạy học'], cat: 'GENERAL', pubs: ['GD'], school: true },
  { t: 'Tư tưởng Hồ Chí Minh về đạo đức', ddc: '335.4346', subj: ['Tư tưởng Hồ Chí Minh', 'Đạo đức'], cat: 'GENERAL', pubs: ['CTQG'] },
  { t: 'Văn hóa ứng xử của người Việt', ddc: '395.09597', subj: ['Văn hóa', 'Ứng xử'], cat: 'GENERAL', pubs: ['VHDT', 'TN'] },
  { t: 'Âm nhạc truyền thống Việt Nam', ddc: '781.62', subj: ['Âm nhạc', 'Âm nhạc truyền thống'], cat: 'GENERAL', pubs: ['AN'] },
  { t: 'Nhiếp ảnh căn bản', ddc: '770', subj: ['Nhiếp ảnh'], cat: 'GENERAL', pubs: ['VHTT', 'TH'] },
  { t: 'Toán học và đời sống', ddc: '510', subj: ['Toán học', 'Khoa học thường thức'], cat: 'GENERAL', pubs: ['GD', 'TRE'], school: true },
  { t: 'Sổ tay hóa học trung học phổ thông', ddc: '540', subj: ['Hóa học', 'Sách tham khảo'], cat: 'GENERAL', pubs: ['GD', 'DHQG'], school: true },
  { t: 'Luyện thi trung học phổ thông quốc gia môn Ngữ văn', ddc: '807.6', subj: ['Ngữ văn', 'Sách tham khảo', 'Ôn thi'], cat: 'GENERAL', pubs: ['GD', 'DHQG'], school: true, people: 'editor', minYear: 2015, maxYear: 2019 },
  { t: 'Bình giảng văn học 12', ddc: '807.12', subj: ['Ngữ văn', 'Sách tham khảo'], cat: 'GENERAL', pubs: ['GD'], school: true, people: 'editor' },
];
