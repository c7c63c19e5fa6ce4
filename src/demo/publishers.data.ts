/**
 * Publishers used by the demo catalogue. `isbn` is the fixed start of the ISBN-13s we mint for
 * them (the rest is filled deterministically and closed with a correct check digit); null means
 * the publisher does not issue ISBNs (local associations, pre-1975 Sài Gòn houses, newspapers).
 */
export interface DemoPublisher {
  name: string;
  place: string;
  isbn: string | null;
}

export const PUBLISHERS = {
  KD: { name: 'NXB Kim Đồng', place: 'Hà Nội', isbn: '9786042' },
  TRE: { name: 'NXB Trẻ', place: 'TP. Hồ Chí Minh', isbn: '9786041' },
  VH: { name: 'NXB Văn học', place: 'Hà Nội', isbn: '97860469' },
  HNV: { name: 'NXB Hội Nhà văn', place: 'Hà Nội', isbn: '97860453' },
  GD: { name: 'NXB Giáo dục Việt Nam', place: 'Hà Nội', isbn: '9786040' },
  CTQG: { name: 'NXB Chính trị quốc gia Sự thật', place: 'Hà Nội', isbn: '97860457' },
  NN: { name: 'NXB Nông nghiệp', place: 'Hà Nội', isbn: '97860460' },
  NNHCM: { name: 'NXB Nông nghiệp', place: 'TP. Hồ Chí Minh', isbn: '97860460' },
  TP: { name: 'NXB Tư pháp', place: 'Hà Nội', isbn: '97860481' },
  KHXH: { name: 'NXB Khoa học xã hội', place: 'Hà Nội', isbn: '97860495' },
  KHKT: { name: 'NXB Khoa học và Kỹ thuật', place: 'Hà Nội', isbn: '97860467' },
  VHTT: { name: 'NXB Văn hóa - Thông tin', place: 'Hà Nội', isbn: '97860450' },
  VHDT: { name: 'NXB Văn hóa dân tộc', place: 'Hà Nội', isbn: '97860470' },
  TH: { name: 'NXB Tổng hợp TP. Hồ Chí Minh', place: 'TP. Hồ Chí Minh', isbn: '97860458' },
  TN: { name: 'NXB Thanh niên', place: 'Hà Nội', isbn: '97860464' },
  PN: { name: 'NXB Phụ nữ Việt Nam', place: 'Hà Nội', isbn: '97860456' },
  LD: { name: 'NXB Lao động', place: 'Hà Nội', isbn: '97860459' },
  QDND: { name: 'NXB Quân đội nhân dân', place: 'Hà Nội', isbn: '97860451' },
  YH: { name: 'NXB Y học', place: 'Hà Nội', isbn: '97860466' },
  TNMT: { name: 'NXB Tài nguyên - Môi trường và Bản đồ Việt Nam', place: 'Hà Nội', isbn: '97860490' },
  TTTT: { name: 'NXB Thông tin và Truyền thông', place: 'Hà Nội', isbn: '97860480' },
  DHQG: { name: 'NXB Đại học Quốc gia Hà Nội', place: 'Hà Nội', isbn: '97860462' },
  DN: { name: 'NXB Đà Nẵng', place: 'Đà Nẵng', isbn: '97860484' },
  THH: { name: 'NXB Thuận Hóa', place: 'Huế', isbn: '97860474' },
  TG: { name: 'NXB Thế giới', place: 'Hà Nội', isbn: '97860477' },
  TGEN: { name: 'Thế Giới Publishers', place: 'Hà Nội', isbn: '97860477' },
  TGFR: { name: 'Éditions Thế Giới', place: 'Hà Nội', isbn: '97860477' },
  TTX: { name: 'NXB Thông tấn', place: 'Hà Nội', isbn: '97860454' },
  SK: { name: 'NXB Sân khấu', place: 'Hà Nội', isbn: '97860479' },
  AN: { name: 'NXB Âm nhạc', place: 'Hà Nội', isbn: '97860478' },
  TPM: { name: 'NXB Tác phẩm mới', place: 'Hà Nội', isbn: null },
  GP: { name: 'NXB Giải phóng', place: 'Sài Gòn', isbn: null },
  // Local (Quy Nhơn) institutions: no ISBN.
  SVH_NB: { name: 'Sở Văn hóa và Thông tin Nghĩa Bình', place: 'Quy Nhơn', isbn: null },
  SVH_BD: { name: 'Sở Văn hóa và Thể thao Bình Định', place: 'Quy Nhơn', isbn: null },
  HVH_BD: { name: 'Hội Văn học Nghệ thuật Bình Định', place: 'Quy Nhơn', isbn: null },
  BAO_BD: { name: 'Báo Bình Định', place: 'Quy Nhơn', isbn: null },
  TVT_BD: { name: 'Thư viện tỉnh Bình Định', place: 'Quy Nhơn', isbn: null },
  DHQN: { name: 'Trường Đại học Quy Nhơn', place: 'Quy Nhơn', isbn: null },
  KN_BD: { name: 'Trung tâm Khuyến nông Bình Định', place: 'Quy Nhơn', isbn: null },
  BTQT: { name: 'Bảo tàng Quang Trung', place: 'Tây Sơn', isbn: null },
  // Pre-1975 Sài Gòn publishers: no ISBN.
  NAMCUONG: { name: 'Nam Cường', place: 'Sài Gòn', isbn: null },
  BONPHUONG: { name: 'Bốn Phương', place: 'Sài Gòn', isbn: null },
  KHAITRI: { name: 'Khai Trí', place: 'Sài Gòn', isbn: null },
  TRUONGTHI: { name: 'Trường Thi', place: 'Sài Gòn', isbn: null },
  // Serial publishers.
  VIENSU: { name: 'Viện Sử học', place: 'Hà Nội', isbn: null },
  TVQG: { name: 'Thư viện Quốc gia Việt Nam', place: 'Hà Nội', isbn: null },
  NHANDAN: { name: 'Báo Nhân Dân', place: 'Hà Nội', isbn: null },
  TUOITRE: { name: 'Báo Tuổi Trẻ', place: 'TP. Hồ Chí Minh', isbn: null },
  BAONN: { name: 'Báo Nông nghiệp Việt Nam', place: 'Hà Nội', isbn: null },
  TNTP: { name: 'Báo Thiếu niên Tiền phong và Nhi đồng', place: 'Hà Nội', isbn: null },
  // Foreign publishers (registration-group prefixes are the real ones).
  YALE: { name: 'Yale University Press', place: 'New Haven', isbn: '9780300' },
  UMICH: { name: 'University of Michigan Press', place: 'Ann Arbor', isbn: '9780472' },
  PANTHEON: { name: 'Pantheon Books', place: 'New York', isbn: '9780679' },
  PENGUIN: { name: 'Penguin Books', place: 'London', isbn: '9780141' },
  LONELY: { name: 'Lonely Planet', place: 'Melbourne', isbn: '9781786' },
  GALLIMARD: { name: 'Gallimard', place: 'Paris', isbn: '9782070' },
  MINUIT: { name: 'Éditions de Minuit', place: 'Paris', isbn: '9782707' },
  PICQUIER: { name: 'Philippe Picquier', place: 'Arles', isbn: '9782877' },
  EFEO: { name: 'École française d’Extrême-Orient', place: 'Paris', isbn: '9782855' },
} as const satisfies Record<string, DemoPublisher>;

export type PublisherKey = keyof typeof PUBLISHERS;
