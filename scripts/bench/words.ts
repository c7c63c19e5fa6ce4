/**
 * Word lists for the generated benchmark catalogue. Titles are built in SQL from these arrays, so the
 * generated text is Vietnamese-like (real words with their diacritics) and its word frequencies are
 * skewed the way a real catalogue's are: a few words in a large share of titles, a long tail of rare ones.
 */

/**
 * Title words and phrases, most frequent first. The generator picks index ⌊n·u^2.4⌋ (u uniform), so
 * the first entries land in a large share of titles and the last ones in few.
 */
export const TITLE_WORDS: readonly string[] = [
  // very common
  'Việt Nam', 'lịch sử', 'văn hóa', 'truyện', 'người', 'Bình Định', 'cuộc sống', 'kinh tế', 'tuyển tập', 'thơ',
  'những', 'mùa', 'làng', 'biển', 'đất nước', 'nông nghiệp', 'giáo dục', 'xã hội', 'phát triển', 'hướng dẫn',
  'kỹ thuật', 'khoa học', 'nghệ thuật', 'văn học', 'dân gian', 'Tây Sơn', 'quê hương', 'gia đình', 'trẻ em', 'sức khỏe',
  // common
  'tình yêu', 'chiến tranh', 'hòa bình', 'nhân dân', 'cách mạng', 'tư tưởng', 'Hồ Chí Minh', 'pháp luật', 'môi trường',
  'du lịch', 'lễ hội', 'truyền thống', 'di sản', 'kiến trúc', 'ẩm thực', 'võ thuật', 'tuồng', 'bài chòi', 'ca dao',
  'tục ngữ', 'cổ tích', 'thiếu nhi', 'học sinh', 'giáo trình', 'sổ tay', 'từ điển', 'nghiên cứu', 'tìm hiểu', 'câu chuyện',
  'ký ức', 'hồi ký', 'tiểu thuyết', 'truyện ngắn', 'tản văn', 'bút ký', 'nhật ký', 'thế giới', 'con người', 'tuổi trẻ',
  'mẹ', 'cha', 'bà ngoại', 'dòng sông', 'ngọn núi', 'bầu trời', 'ánh sáng', 'bóng tối', 'giấc mơ', 'ngày xưa',
  'mùa xuân', 'mùa hạ', 'mùa thu', 'mùa đông', 'hoa', 'lúa', 'dừa', 'cá', 'thuyền', 'ngư dân',
  'nông dân', 'công nhân', 'bộ đội', 'thầy giáo', 'cô giáo', 'bác sĩ', 'thành phố', 'nông thôn', 'miền Trung', 'miền Nam',
  'miền Bắc', 'Tây Nguyên', 'Quy Nhơn', 'An Nhơn', 'Hoài Nhơn', 'Phù Cát', 'Phù Mỹ', 'Tuy Phước', 'Hoài Ân', 'An Lão',
  // middling
  'quản lý', 'doanh nghiệp', 'thị trường', 'tài chính', 'ngân hàng', 'kế toán', 'marketing', 'chiến lược', 'lãnh đạo',
  'kỹ năng', 'giao tiếp', 'tâm lý', 'hạnh phúc', 'thành công', 'tiếng Việt', 'tiếng Anh', 'toán học', 'vật lý', 'hóa học',
  'sinh học', 'địa lý', 'tin học', 'máy tính', 'lập trình', 'internet', 'chuyển đổi số', 'trí tuệ nhân tạo', 'dữ liệu',
  'công nghệ', 'điện tử', 'cơ khí', 'xây dựng', 'giao thông', 'năng lượng', 'khí hậu', 'biến đổi', 'thiên tai', 'bão lũ',
  'rừng', 'đất', 'nước', 'nuôi trồng thủy sản', 'chăn nuôi', 'trồng trọt', 'phân bón', 'sâu bệnh', 'giống cây', 'cây ăn quả',
  'hồ tiêu', 'cà phê', 'cao su', 'mía', 'sắn', 'keo lai', 'tôm', 'cá ngừ', 'muối', 'nước mắm',
  'y học', 'dược liệu', 'thuốc nam', 'dinh dưỡng', 'bệnh', 'phòng chống', 'an toàn', 'vệ sinh', 'thực phẩm', 'nấu ăn',
  'thể thao', 'bóng đá', 'cờ tướng', 'âm nhạc', 'hội họa', 'điêu khắc', 'sân khấu', 'điện ảnh', 'nhiếp ảnh', 'thời trang',
  'triết học', 'tôn giáo', 'Phật giáo', 'đạo đức', 'chính trị', 'ngoại giao', 'quốc phòng', 'an ninh', 'biên giới', 'biển đảo',
  'Hoàng Sa', 'Trường Sa', 'chủ quyền', 'kháng chiến', 'anh hùng', 'liệt sĩ', 'chiến sĩ', 'vua', 'triều Nguyễn', 'nhà Trần',
  'nhà Lý', 'nhà Lê', 'Quang Trung', 'Nguyễn Huệ', 'Chăm Pa', 'tháp Chăm', 'Đồ Bàn', 'Vijaya', 'thành cổ', 'đình làng',
  'chùa', 'đền', 'miếu', 'lăng', 'phong tục', 'tập quán', 'tín ngưỡng', 'hát bội', 'dân ca', 'nhạc cụ',
  // rarer
  'địa chí', 'gia phả', 'họ tộc', 'khảo cổ', 'bia ký', 'Hán Nôm', 'chữ Nôm', 'văn bia', 'sắc phong', 'thư tịch',
  'danh nhân', 'nhân vật', 'chân dung', 'tiểu sử', 'hồi ức', 'thư từ', 'tùy bút', 'phóng sự', 'ký sự', 'trường ca',
  'lục bát', 'thơ Đường', 'Đào Tấn', 'Hàn Mặc Tử', 'Xuân Diệu', 'Chế Lan Viên', 'Yến Lan', 'Quách Tấn', 'Bàn Thành Tứ Hữu', 'Mai Xuân Thưởng',
  'Võ Tánh', 'Bùi Thị Xuân', 'Trần Quang Diệu', 'Ngô Văn Sở', 'Đống Đa', 'Rạch Gầm', 'Xoài Mút', 'Ngọc Hồi', 'Phú Xuân', 'Thăng Long',
  'Hà Nội', 'Sài Gòn', 'Huế', 'Hội An', 'Đà Nẵng', 'Nha Trang', 'Phú Yên', 'Quảng Ngãi', 'Gia Lai', 'Kon Tum',
  'đầm Thị Nại', 'cù lao Xanh', 'Nhơn Lý', 'Nhơn Hải', 'Ghềnh Ráng', 'Eo Gió', 'Kỳ Co', 'Hầm Hô', 'Vân Canh', 'Vĩnh Thạnh',
  'đá', 'gỗ', 'gốm', 'đồng', 'sắt', 'vàng', 'bạc', 'ngọc', 'lụa', 'tre',
  'con mèo', 'con chó', 'con trâu', 'chim', 'voi', 'ngựa', 'rồng', 'phượng', 'hổ', 'rùa',
  'cánh đồng', 'bến sông', 'con đường', 'ngôi nhà', 'khu vườn', 'phiên chợ', 'bến cảng', 'hải đăng', 'ngọn gió', 'cơn mưa',
  'trăng', 'sao', 'mặt trời', 'bình minh', 'hoàng hôn', 'đêm', 'ngày', 'tháng', 'năm', 'thế kỷ',
  'khát vọng', 'niềm tin', 'hy vọng', 'nỗi nhớ', 'lời hứa', 'bí mật', 'phép màu', 'cuộc phiêu lưu', 'hành trình', 'kho báu',
  'pháp lệnh', 'nghị định', 'thông tư', 'luật đất đai', 'luật hôn nhân', 'hiến pháp', 'hành chính', 'thuế', 'bảo hiểm', 'lao động',
  'khởi nghiệp', 'đổi mới', 'hội nhập', 'toàn cầu hóa', 'đô thị hóa', 'công nghiệp hóa', 'hiện đại hóa', 'kinh tế biển', 'logistics', 'xuất khẩu',
] as const;

/** Words that join phrases in titles ('Lịch sử và văn hóa ...'). */
export const CONNECTORS: readonly string[] = ['và', 'của', 'ở', 'trong', 'với', 'cho', 'về', 'từ', 'trên', 'qua'];

/** Words that start titles more often than not. */
export const HEADS: readonly string[] = [
  'Lịch sử', 'Tìm hiểu', 'Hướng dẫn', 'Truyện', 'Tuyển tập', 'Sổ tay', 'Giáo trình', 'Những', 'Kỹ thuật', 'Địa chí',
  'Văn hóa', 'Thơ', 'Chuyện', 'Bí quyết', 'Hỏi đáp', 'Cẩm nang', 'Khám phá', 'Câu chuyện', 'Ký ức', 'Nghiên cứu',
];

/**
 * Rare words: foreign and technical terms, rare place names. Each record has a small chance of one,
 * picked uniformly, so each appears in a few dozen records per million.
 */
export const RARE_WORDS: readonly string[] = [
  'blockchain', 'nanomet', 'graphene', 'kubernetes', 'photoshop', 'python', 'javascript', 'arduino', 'robotics', 'biogas',
  'aquaponics', 'hydroponic', 'permaculture', 'vermicompost', 'mycorrhiza', 'probiotic', 'astaxanthin', 'chitosan', 'spirulina', 'moringa',
  'Ashkenazi', 'Baltic', 'Caribbean', 'Dalmatia', 'Etruscan', 'Flanders', 'Galápagos', 'Hokkaido', 'Iceland', 'Jutland',
  'Kamchatka', 'Lapland', 'Madagascar', 'Nunavut', 'Okinawa', 'Patagonia', 'Queensland', 'Rajasthan', 'Sardinia', 'Tasmania',
  'Ural', 'Valparaíso', 'Wessex', 'Xinjiang', 'Yucatán', 'Zanzibar', 'Andalusia', 'Bavaria', 'Catalonia', 'Dordogne',
  'xuồng ba lá', 'khuỷu', 'ngoằn ngoèo', 'chênh vênh', 'lênh đênh', 'bập bềnh', 'thoăn thoắt', 'khúc khuỷu', 'chót vót', 'lấp lánh',
  'gập ghềnh', 'lởm chởm', 'khấp khểnh', 'loăng quăng', 'nguệch ngoạc', 'chuếnh choáng', 'ngoảnh', 'quềnh quàng', 'khuềnh khoàng', 'thuở',
  'Mỹ Chánh', 'Cát Tiến', 'Đề Gi', 'Tam Quan', 'Bồng Sơn', 'Phước Lộc', 'Diêu Trì', 'Đập Đá', 'Gò Găng', 'Cây Muồng',
  'Hòn Khô', 'Hòn Đất', 'Trung Lương', 'Vĩnh Hội', 'Cát Hải', 'Mỹ Thọ', 'Tân Thanh', 'Canh Liên', 'Kon Tiêng', 'Đak Mang',
  'Bahnar', 'Hrê', 'Chăm Hroi', 'Ê Đê', 'Xơ Đăng', 'Gié Triêng', 'Co Tu', 'Tà Ôi', 'Raglai', 'Chu Ru',
  'sonnet', 'haiku', 'rondeau', 'villanelle', 'limerick', 'ballad', 'elegy', 'epigram', 'ode', 'pastoral',
  'thermodynamics', 'topology', 'combinatorics', 'cryptography', 'metallurgy', 'hydrology', 'seismology', 'glaciology', 'ornithology', 'entomology',
  'Kafka', 'Borges', 'Calvino', 'Nabokov', 'Saramago', 'Pamuk', 'Achebe', 'Lispector', 'Mahfouz', 'Tagore',
  'karst', 'fjord', 'tundra', 'savanna', 'mangrove', 'estuary', 'atoll', 'lagoon', 'caldera', 'geyser',
  'oolong', 'matcha', 'kimchi', 'paella', 'goulash', 'tiramisu', 'croissant', 'baguette', 'sashimi', 'tempura',
];

/** Foreign authors of translated works (the translator is Vietnamese). */
export const FOREIGN_AUTHORS: readonly string[] = [
  'Lev Tolstoy', 'Fyodor Dostoevsky', 'Anton Chekhov', 'Victor Hugo', 'Alexandre Dumas', 'Jules Verne', 'Honoré de Balzac',
  'Ernest Hemingway', 'Mark Twain', 'Jack London', 'Charles Dickens', 'Jane Austen', 'William Shakespeare', 'Agatha Christie',
  'Arthur Conan Doyle', 'Haruki Murakami', 'Yasunari Kawabata', 'Kenzaburo Oe', 'Gabriel García Márquez', 'Paulo Coelho',
  'Antoine de Saint-Exupéry', 'Hans Christian Andersen', 'Jacob Grimm', 'J. K. Rowling', 'Dale Carnegie', 'Napoleon Hill',
  'Stephen Hawking', 'Yuval Noah Harari', 'Jared Diamond', 'Malcolm Gladwell', 'Rabindranath Tagore', 'Lỗ Tấn',
  'Kim Dung', 'Cổ Long', 'Mạc Ngôn', 'Tào Tuyết Cần', 'La Quán Trung', 'Ngô Thừa Ân', 'Thi Nại Am', 'Nikolai Ostrovsky',
  'Maxim Gorky', 'Aleksandr Pushkin', 'Mikhail Sholokhov', 'Boris Pasternak', 'Franz Kafka', 'Hermann Hesse', 'Thomas Mann',
  'Erich Maria Remarque', 'Albert Camus', 'Jean-Paul Sartre', 'Marguerite Duras', 'Romain Rolland', 'Alphonse Daudet',
  'Hector Malot', 'Edmondo De Amicis', 'Carlo Collodi', 'Umberto Eco', 'Miguel de Cervantes', 'Khaled Hosseini', 'Dan Brown',
];

/** Family names and their share of Vietnamese people, in percent (Nguyễn about 38 %). */
export const FAMILY_NAMES: readonly [string, number][] = [
  ['Nguyễn', 38], ['Trần', 11], ['Lê', 9.5], ['Phạm', 7], ['Hoàng', 3], ['Huỳnh', 3], ['Phan', 4.5], ['Vũ', 2],
  ['Võ', 2], ['Đặng', 2.1], ['Bùi', 2], ['Đỗ', 1.4], ['Hồ', 1.3], ['Ngô', 1.3], ['Dương', 1], ['Lý', 0.5],
  ['Đinh', 0.8], ['Trương', 0.8], ['Đoàn', 0.6], ['Lâm', 0.5], ['Mai', 0.5], ['Lương', 0.4], ['Đào', 0.4], ['Châu', 0.3],
  ['Tạ', 0.3], ['Cao', 0.3], ['Hà', 0.3], ['Thái', 0.2], ['Văn', 0.2], ['Kiều', 0.1], ['Quách', 0.1], ['Tôn Nữ', 0.05],
  ['Ông', 0.05], ['Mạc', 0.05], ['Khúc', 0.03], ['Chế', 0.02],
];

export const MALE_MIDDLE: readonly string[] = ['Văn', 'Văn', 'Văn', 'Hữu', 'Đức', 'Minh', 'Ngọc', 'Quang', 'Công', 'Đình', 'Xuân', 'Thanh', 'Tấn', 'Trọng', 'Anh', 'Quốc', 'Gia', 'Bá'];
export const FEMALE_MIDDLE: readonly string[] = ['Thị', 'Thị', 'Thị', 'Ngọc', 'Thanh', 'Thu', 'Kim', 'Minh', 'Thùy', 'Hồng', 'Bích', 'Mỹ', 'Diệu', 'Phương'];
export const MALE_GIVEN: readonly string[] = [
  'An', 'Bình', 'Cường', 'Dũng', 'Hải', 'Hùng', 'Khoa', 'Long', 'Nam', 'Phong', 'Phúc', 'Quân', 'Sơn', 'Thành', 'Trung',
  'Tuấn', 'Vinh', 'Hiếu', 'Lợi', 'Tâm', 'Toàn', 'Nhân', 'Khải', 'Định', 'Thắng', 'Lộc', 'Huy', 'Hoàng', 'Kiên', 'Nghĩa',
  'Quý', 'Tài', 'Thịnh', 'Trí', 'Tú', 'Việt', 'Vũ', 'Đạt', 'Đông', 'Hưng',
];
export const FEMALE_GIVEN: readonly string[] = [
  'Hà', 'Hương', 'Lan', 'Linh', 'Mai', 'Nga', 'Thảo', 'Yến', 'Trang', 'Hạnh', 'Nhung', 'Oanh', 'Phượng', 'Vân', 'Hằng',
  'Dung', 'Loan', 'Thư', 'Ngân', 'Diễm', 'Anh', 'Châu', 'Giang', 'Hoa', 'Huyền', 'Lệ', 'My', 'Nhi', 'Quyên', 'Tuyết',
];

/** Subject headings, most used first. */
export const SUBJECTS: readonly string[] = [
  'Văn học Việt Nam', 'Lịch sử Việt Nam', 'Bình Định -- Địa chí', 'Truyện ngắn', 'Thơ Việt Nam', 'Tiểu thuyết', 'Nông nghiệp',
  'Văn hóa dân gian', 'Giáo dục', 'Kinh tế', 'Pháp luật', 'Sách thiếu nhi', 'Y học thường thức', 'Kỹ thuật trồng trọt',
  'Thủy sản', 'Chăn nuôi', 'Du lịch', 'Tin học', 'Kỹ năng sống', 'Tâm lý học', 'Quản trị kinh doanh', 'Khoa học tự nhiên',
  'Toán học', 'Ngôn ngữ học', 'Tiếng Anh', 'Lịch sử thế giới', 'Văn học nước ngoài', 'Triết học', 'Tôn giáo', 'Âm nhạc',
  'Mỹ thuật', 'Kiến trúc', 'Thể dục thể thao', 'Ẩm thực', 'Môi trường', 'Biến đổi khí hậu', 'Chính trị', 'Quốc phòng',
  'Biển đảo Việt Nam', 'Nhà Tây Sơn', 'Võ cổ truyền Bình Định', 'Tuồng', 'Bài chòi', 'Văn hóa Chăm', 'Dân tộc thiểu số',
  'Hồ Chí Minh, 1890-1969', 'Kháng chiến chống Mỹ', 'Kháng chiến chống Pháp', 'Danh nhân', 'Gia phả', 'Hán Nôm', 'Khảo cổ học',
  'Phong tục tập quán', 'Lễ hội', 'Ca dao tục ngữ', 'Truyện cổ tích', 'Truyện tranh', 'Hồi ký', 'Tùy bút', 'Phóng sự',
];

export const PUBLISHERS: readonly [string, string][] = [
  ['NXB Kim Đồng', 'Hà Nội'], ['NXB Trẻ', 'TP. Hồ Chí Minh'], ['NXB Văn học', 'Hà Nội'], ['NXB Hội Nhà văn', 'Hà Nội'],
  ['NXB Giáo dục Việt Nam', 'Hà Nội'], ['NXB Chính trị quốc gia Sự thật', 'Hà Nội'], ['NXB Nông nghiệp', 'Hà Nội'],
  ['NXB Tư pháp', 'Hà Nội'], ['NXB Khoa học xã hội', 'Hà Nội'], ['NXB Khoa học và Kỹ thuật', 'Hà Nội'],
  ['NXB Văn hóa dân tộc', 'Hà Nội'], ['NXB Tổng hợp TP. Hồ Chí Minh', 'TP. Hồ Chí Minh'], ['NXB Thanh niên', 'Hà Nội'],
  ['NXB Phụ nữ Việt Nam', 'Hà Nội'], ['NXB Lao động', 'Hà Nội'], ['NXB Quân đội nhân dân', 'Hà Nội'], ['NXB Y học', 'Hà Nội'],
  ['NXB Thông tin và Truyền thông', 'Hà Nội'], ['NXB Đại học Quốc gia Hà Nội', 'Hà Nội'], ['NXB Đà Nẵng', 'Đà Nẵng'],
  ['NXB Thuận Hóa', 'Huế'], ['NXB Thế giới', 'Hà Nội'], ['NXB Thông tấn', 'Hà Nội'], ['NXB Hồng Đức', 'Hà Nội'],
  ['NXB Dân trí', 'Hà Nội'], ['NXB Văn hóa - Văn nghệ', 'TP. Hồ Chí Minh'], ['NXB Đại học Sư phạm', 'Hà Nội'],
  ['Hội Văn học Nghệ thuật Bình Định', 'Quy Nhơn'], ['NXB Mỹ thuật', 'Hà Nội'], ['NXB Âm nhạc', 'Hà Nội'],
];

export const SUBTITLES: readonly string[] = [
  'Tiểu thuyết', 'Truyện ngắn', 'Tập thơ', 'Hồi ký', 'Sách tham khảo', 'Sách dành cho thiếu nhi', 'Khảo cứu', 'Tư liệu',
  'Giáo trình dùng cho sinh viên', 'Sách hướng dẫn', 'Truyện tranh', 'Tùy bút', 'Ký sự', 'Biên khảo', 'Tài liệu tham khảo',
];

export const DDC: readonly string[] = [
  '895.9223', '895.9221', '959.7', '959.754', '390.09597', '398.209597', '630', '633', '636', '639.3', '340.09597',
  '370', '330.9597', '610', '613', '641.5', '796', '005.1', '004', '150', '158.1', '181', '294.3', '320', '355',
  '500', '510', '530', '540', '570', '720', '780', '792', '910', '915.97', '920', '929.2', '495.922', '428', '658',
];

export const LOCATIONS: readonly string[] = [
  'Kho mở tầng 1', 'Kho mở tầng 2', 'Kho đóng', 'Phòng thiếu nhi', 'Kho địa chí', 'Phòng đọc tổng hợp', 'Kho luân chuyển', 'Tủ sách pháp luật',
];

/** District-level units of the generated network (the first eleven are Bình Định's). */
export const DISTRICTS: readonly string[] = [
  'thành phố Quy Nhơn', 'thị xã An Nhơn', 'thị xã Hoài Nhơn', 'huyện Tuy Phước', 'huyện Phù Cát', 'huyện Phù Mỹ', 'huyện Hoài Ân',
  'huyện An Lão', 'huyện Tây Sơn', 'huyện Vân Canh', 'huyện Vĩnh Thạnh', 'huyện Sơn Hòa', 'huyện Đồng Xuân', 'huyện Tuy An',
  'huyện Ba Tơ', 'huyện Đức Phổ', 'huyện Mộ Đức', 'huyện Nghĩa Hành', 'huyện Kông Chro', 'huyện Kbang', 'huyện Mang Yang',
  'huyện Đăk Pơ', 'huyện Ia Pa', 'huyện Sông Hinh',
];

/** Syllables for commune and school names ('Phước Hòa', 'Nhơn Lộc'…). */
export const PLACE_FIRST: readonly string[] = ['Phước', 'Nhơn', 'Cát', 'Mỹ', 'Hoài', 'Bình', 'Tây', 'Ân', 'Tam', 'Vĩnh', 'Canh', 'Đập', 'Hòa', 'Xuân', 'An'];
export const PLACE_SECOND: readonly string[] = ['Hòa', 'Lộc', 'Thành', 'Sơn', 'Hưng', 'Thắng', 'An', 'Tân', 'Phú', 'Hải', 'Lợi', 'Quang', 'Đức', 'Thuận', 'Hiệp', 'Tường', 'Minh'];

/** Words of English-language titles (a few records are in English). */
export const ENGLISH_WORDS: readonly string[] = [
  'history', 'Vietnam', 'culture', 'guide', 'introduction', 'economy', 'war', 'the', 'people', 'sea', 'village', 'Asia',
  'modern', 'art', 'science', 'world', 'practical', 'handbook', 'studies', 'rice', 'river', 'coast', 'temple', 'empire',
];

/** Function words left out of the "common word" query pools. */
export const STOP_WORDS: ReadonlySet<string> = new Set([...CONNECTORS, 'những', 'các', 'the', 'of', 'and', 'tập', 'lần', 'thứ']);

/**
 * Syllables of invented foreign names and words ('Karenvol', 'Belstanov'…). A real union catalogue's
 * vocabulary has a long tail of such words (tens of thousands, most in one or two records); these give
 * the generated one that tail, which the typo lookup in the lexicon has to search.
 */
export const LATIN_SYLLABLES: readonly string[] = [
  'ka', 'ren', 'tol', 'mi', 'vor', 'stan', 'li', 'bel', 'gor', 'an', 'te', 'ros', 'du', 'mar', 'kin', 'sel', 'vi', 'no',
  'ber', 'ta', 'lo', 'zen', 'ha', 'rik', 'po', 'len', 'da', 'mus', 'fer', 'gi', 'ov', 'ski', 'son', 'berg', 'ton', 'ley',
  'ria', 'nia', 'ford', 'wick', 'sha', 'que', 'lin', 'dor', 'vas', 'mont', 'ette', 'ville',
];

/** Given names of invented foreign authors. */
export const FOREIGN_GIVEN: readonly string[] = [
  'Anna', 'John', 'Marie', 'Peter', 'Hans', 'Elena', 'Pierre', 'Sofia', 'Ivan', 'Laura', 'Karl', 'Olga', 'Paul', 'Yuki',
  'Carlos', 'Emma', 'Lucas', 'Nina', 'Tomas', 'Clara',
];
