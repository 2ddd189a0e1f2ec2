"""Tests of orgunits/text.py: matching keys and cell cleaning, on cells copied from the seeds."""

from __future__ import annotations

import pytest

from orgunits.text import clean_cell, fold, strip_accents

FOLD_CASES = [
    ("Uỷ ban  nhân dân các xã,\nphường, đặc khu", "uy ban nhan dan cac xa phuong dac khu"),
    ("Ủy ban nhân dân tỉnh", "uy ban nhan dan tinh"),
    ("Uy ban nhan dan tinh", "uy ban nhan dan tinh"),
    ("UỶ BAN MẶT TRẬN TỔ QUỐC", "uy ban mat tran to quoc"),
    ("Đảng ủy xã Phước Giang", "dang uy xa phuoc giang"),
    ("Sở Dân tộc  \nvà Tôn giáo", "so dan toc va ton giao"),
    ("Chi nhánh/Phòng giao dịch Ngân hàng CSXH", "chi nhanh phong giao dich ngan hang csxh"),
    ("Báo và Phát thanh, Truyền hình Quảng Ngãi", "bao va phat thanh truyen hinh quang ngai"),
    ("  — Hoà / hòa —  ", "hoa hoa"),
    ("Quyết định số 22/2023/QĐ-TTg", "quyet dinh so 22 2023 qd ttg"),
    # decomposed input (as some PDF extractors produce) folds like the composed one
    ("U\u0309y ban", "uy ban"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), FOLD_CASES)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Sở Văn hoá", "Sở Văn hóa"),
        ("Uỷ ban", "Ủy ban"),
        ("Thuỷ lợi", "Thủy lợi"),
        ("Sức khoẻ", "Sức khỏe"),
        ("Hoà Bình", "Hòa Bình"),
        ("Quý", "Qúy"),
    ],
)
def test_old_and_new_tone_mark_placement_fold_alike(old: str, new: str) -> None:
    assert fold(old) == fold(new)


def test_strip_accents_keeps_case_and_punctuation() -> None:
    assert strip_accents("Đặc khu Lý Sơn, Ủy ban.") == "Dac khu Ly Son, Uy ban."


# (label, raw cell, expected clean text). Raw cells are copied from the seed files, with
# their line breaks, blank separator lines and trailing spaces as printed.
CLEAN_CASES = [
    (
        "001 I.1 lead",
        "Các sở, ban, ngành có \n\nliên quan; Ủy ban \n\nnhân dân các xã, \n\nphường, đặc khu ",
        "Các sở, ban, ngành có liên quan; Ủy ban nhân dân các xã, phường, đặc khu",
    ),
    (
        "001 I.1 lead as transcribed in the fixtures",
        "Các sở, ban, ngành có\nliên quan; Ủy ban\nnhân dân các xã,\nphường, đặc khu",
        "Các sở, ban, ngành có liên quan; Ủy ban nhân dân các xã, phường, đặc khu",
    ),
    (
        "001 I.1 content, hyphen glued to a word",
        "Tổ chức nghiên cứu, phổ biến, quán triệt sâu rộng nội \n\ndung Chỉ thị số "
        "39-CT/TW của Ban Bí thư, Quyết định số \n\n1560/QĐ-TTg của Thủ tướng Chính phủ. \n\n",
        "Tổ chức nghiên cứu, phổ biến, quán triệt sâu rộng nội dung Chỉ thị số 39-CT/TW của "
        "Ban Bí thư, Quyết định số 1560/QĐ-TTg của Thủ tướng Chính phủ.",
    ),
    ("hyphen at the end of a line, glued", "Chỉ thị số 39-\nCT/TW", "Chỉ thị số 39-CT/TW"),
    (
        "002 3.4 content, hyphen at the end of a line",
        "gắn với việc triển khai thực hiện Nghị quyết số 39-\nNQ/TW ngày 18/7/2023",
        "gắn với việc triển khai thực hiện Nghị quyết số 39-NQ/TW ngày 18/7/2023",
    ),
    ("spaced hyphen at the end of a line", "chính trị -\nxã hội", "chính trị - xã hội"),
    ("spaced hyphen and trailing space", "chính trị - \nxã hội", "chính trị - xã hội"),
    (
        "001 III.2 lead, line starting with '- ' + lowercase is not a bullet",
        "Các tổ chức chính trị \n\n- xã hội nhận ủy thác \n\ncác cấp \n\n",
        "Các tổ chức chính trị - xã hội nhận ủy thác các cấp",
    ),
    (
        "001 V.1 content, '- xã hội' continues the line",
        "xã hội để góp phần thực hiện Chiến lược phát triển kinh tế \n\n- xã hội 10 năm "
        "2021-2030; Kế hoạch phát triển kinh tế - \n\nxã hội 5 năm 2026-2030 của tỉnh",
        "xã hội để góp phần thực hiện Chiến lược phát triển kinh tế - xã hội 10 năm 2021-2030; "
        "Kế hoạch phát triển kinh tế - xã hội 5 năm 2026-2030 của tỉnh",
    ),
    (
        "001 V.9 content keeps its paragraph break",
        "Mở rộng phạm vi, quy mô, đối tượng, nâng mức cho vay, \n\nthời hạn vay từ nguồn vốn "
        "ngân sách địa phương ủy thác \n\nsang Ngân hàng Chính sách xã hội trên địa bàn tỉnh "
        "phù \n\nhợp với mục tiêu các chương trình mục tiêu quốc gia, mục \n\ntiêu phát triển "
        "kinh tế - xã hội của tỉnh. \n\nXây dựng cơ chế lồng ghép tín dụng chính sách xã hội "
        "với \n\ncác chương trình mục tiêu quốc gia, các chương trình, dự \n\nán phát triển kinh "
        "tế - xã hội, chính sách an sinh xã hội \n\nphù hợp với từng giai đoạn; tăng cường hỗ "
        "trợ tín dụng \n\nđối với các hoạt động sản xuất theo chuỗi, liên kết hợp \n\ntác nhằm "
        "thay đổi phương thức sản xuất, tăng hiệu quả sử \n\ndụng nguồn vốn cho người nghèo. \n\n",
        "Mở rộng phạm vi, quy mô, đối tượng, nâng mức cho vay, thời hạn vay từ nguồn vốn ngân "
        "sách địa phương ủy thác sang Ngân hàng Chính sách xã hội trên địa bàn tỉnh phù hợp với "
        "mục tiêu các chương trình mục tiêu quốc gia, mục tiêu phát triển kinh tế - xã hội của "
        "tỉnh.\nXây dựng cơ chế lồng ghép tín dụng chính sách xã hội với các chương trình mục "
        "tiêu quốc gia, các chương trình, dự án phát triển kinh tế - xã hội, chính sách an sinh "
        "xã hội phù hợp với từng giai đoạn; tăng cường hỗ trợ tín dụng đối với các hoạt động "
        "sản xuất theo chuỗi, liên kết hợp tác nhằm thay đổi phương thức sản xuất, tăng hiệu quả "
        "sử dụng nguồn vốn cho người nghèo.",
    ),
    (
        "001 VI.4 content, three bullets on three lines",
        "- Tăng cường công tác giáo dục chính trị tư tưởng, chú \n\ntrọng đào tạo, bồi dưỡng và "
        "xây dựng đội ngũ cán bộ làm \n\ncông tác tín dụng chính sách xã hội có năng lực chuyên "
        "\n\nmôn, đạo đức nghề nghiệp, có uy tín, phong cách làm việc \n\nchuyên nghiệp, hiện đại, "
        "tận tâm, tận tụy, gần dân phục vụ \n\nngười dân. Với phương châm hành động: “Thấu hiểu "
        "lòng \n\ndân, tận tâm phục vụ”. \n\n- Đơn giản hóa trình tự, thủ tục vay vốn, đa dạng "
        "hóa sản \n\nphẩm, phát triển các loại dịch vụ phù hợp, hiện đại hóa \n\ncông tác quản "
        "trị điều hành. Đẩy mạnh chuyển đổi số, xây \n\ndựng nền tảng ngân hàng số, số hóa quy "
        "trình quản lý và \n\ntổ chức thực hiện chính sách, bảo đảm an ninh, an toàn, bảo \n\nmật, "
        "chú trọng thực hiện kết nối cơ sở dữ liệu quốc gia và \n\nchuyên ngành để cập nhật và "
        "quản lý đối tượng thụ hưởng \n\ntín dụng chính sách xã hội. \n\n- Tăng cường công tác "
        "kiểm tra, giám sát, thanh tra đối với \n\nhoạt động huy động, quản lý và sử dụng vốn của "
        "Ngân hàng \n\nChính sách xã hội, không để xảy ra tham nhũng, lãng phí, \n\ntiêu cực; "
        "kiểm soát và phòng ngừa rủi ro có thể ảnh hưởng \n\nđến khả năng thanh toán, hiệu quả "
        "hoạt động của Ngân \n\nhàng Chính sách xã hội. \n\n",
        "- Tăng cường công tác giáo dục chính trị tư tưởng, chú trọng đào tạo, bồi dưỡng và xây "
        "dựng đội ngũ cán bộ làm công tác tín dụng chính sách xã hội có năng lực chuyên môn, đạo "
        "đức nghề nghiệp, có uy tín, phong cách làm việc chuyên nghiệp, hiện đại, tận tâm, tận "
        "tụy, gần dân phục vụ người dân. Với phương châm hành động: “Thấu hiểu lòng dân, tận tâm "
        "phục vụ”.\n"
        "- Đơn giản hóa trình tự, thủ tục vay vốn, đa dạng hóa sản phẩm, phát triển các loại "
        "dịch vụ phù hợp, hiện đại hóa công tác quản trị điều hành. Đẩy mạnh chuyển đổi số, xây "
        "dựng nền tảng ngân hàng số, số hóa quy trình quản lý và tổ chức thực hiện chính sách, "
        "bảo đảm an ninh, an toàn, bảo mật, chú trọng thực hiện kết nối cơ sở dữ liệu quốc gia "
        "và chuyên ngành để cập nhật và quản lý đối tượng thụ hưởng tín dụng chính sách xã hội.\n"
        "- Tăng cường công tác kiểm tra, giám sát, thanh tra đối với hoạt động huy động, quản lý "
        "và sử dụng vốn của Ngân hàng Chính sách xã hội, không để xảy ra tham nhũng, lãng phí, "
        "tiêu cực; kiểm soát và phòng ngừa rủi ro có thể ảnh hưởng đến khả năng thanh toán, hiệu "
        "quả hoạt động của Ngân hàng Chính sách xã hội.",
    ),
    (
        "001 VI.3 coordinating, sentence end before an uppercase line",
        "Ủy ban Mặt trận \n\nTổ quốc, các tổ \n\nchức chính trị - xã \n\nhội các cấp. \n\n "
        "Các sở, ban ngành \n\ncó liên quan \n\n",
        "Ủy ban Mặt trận Tổ quốc, các tổ chức chính trị - xã hội các cấp.\n"
        "Các sở, ban ngành có liên quan",
    ),
    ("001 III.2 timeframe", "Thường xuyên, \n\nhằng năm \n\n", "Thường xuyên, hằng năm"),
    (
        "001 V.8 timeframe",
        "Năm 2025 và \n\ngiai đoạn 2026 \n\n-2030 (hoàn \n\nthành trong \n\nquý III/2025) \n ",
        "Năm 2025 và giai đoạn 2026 -2030 (hoàn thành trong quý III/2025)",
    ),
    (
        "002 4.1 timeframe, HTML list",
        '<ul style="list-style-type: none;"> <li>- Nguồn vốn đầu tư công: Theo tiến độ xây dựng '
        "Kế hoạch đầu tư công trung hạn; Kế hoạch đầu tư công hàng năm.</li> <li>- Nguồn vốn "
        "khác: Thực hiện theo quy định.</li> </ul>",
        "- Nguồn vốn đầu tư công: Theo tiến độ xây dựng Kế hoạch đầu tư công trung hạn; Kế "
        "hoạch đầu tư công hàng năm.\n- Nguồn vốn khác: Thực hiện theo quy định.",
    ),
    (
        "002 4.2 coordinating, HTML list",
        '<ul style="list-style-type: none"> <li>- Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh; các tổ '
        "chức chính trị - xã hội nhận ủy thác cấp tỉnh.</li> <li>- NHCSXH Chi nhánh tỉnh</li> "
        "</ul>",
        "- Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh; các tổ chức chính trị - xã hội nhận ủy thác "
        "cấp tỉnh.\n- NHCSXH Chi nhánh tỉnh",
    ),
    (
        "HTML list items without bullets get '- '",
        "<ul><li>Sở Tài chính</li><li>Sở Nội vụ</li></ul>",
        "- Sở Tài chính\n- Sở Nội vụ",
    ),
    (
        "002 section 2 title in <b>",
        "<b>Phối hợp, nâng cao vai trò của Mặt trận Tổ quốc Việt Nam tỉnh, các tổ chức chính "
        "trị - xã hội các cấp đối với tín dụng chính sách xã hội</b>",
        "Phối hợp, nâng cao vai trò của Mặt trận Tổ quốc Việt Nam tỉnh, các tổ chức chính trị - "
        "xã hội các cấp đối với tín dụng chính sách xã hội",
    ),
    (
        "002 row 6 content, <b> inside the text",
        "<b>Chế độ báo cáo:</b> Định kỳ hằng năm báo cáo tình hình thực hiện Kế hoạch trước "
        "ngày 01 tháng 10; gửi về Ngân hàng Chính sách xã hội Chi nhánh tỉnh để tổng hợp.",
        "Chế độ báo cáo: Định kỳ hằng năm báo cáo tình hình thực hiện Kế hoạch trước ngày 01 "
        "tháng 10; gửi về Ngân hàng Chính sách xã hội Chi nhánh tỉnh để tổng hợp.",
    ),
    (
        "002 5.7 coordinating continued after a page break",
        "- Các tổ chức chính trị - xã hội\nnhận ủy thác cấp tỉnh; - Sở, ngành, đơn vị cấp "
        "tỉnh; UBND các xã, phường",
        "- Các tổ chức chính trị - xã hội nhận ủy thác cấp tỉnh; - Sở, ngành, đơn vị cấp tỉnh; "
        "UBND các xã, phường",
    ),
    (
        "<br>, <i>, <p> and entities",
        "<p>Sở Tài chính<br>&amp; <i>Sở Nội vụ</i></p><p>Ủy ban&nbsp;nhân dân tỉnh</p>",
        "Sở Tài chính & Sở Nội vụ Ủy ban nhân dân tỉnh",
    ),
    ("a literal '<' is not markup", "tỷ lệ nợ xấu < 5%", "tỷ lệ nợ xấu < 5%"),
    (
        "004 I.1 product",
        "Văn bản triển \nkhai, Kế \n\nhoạch phổ \nbiến, tuyên \n\ntruyền \n\n \n\n",
        "Văn bản triển khai, Kế hoạch phổ biến, tuyên truyền",
    ),
    (
        "004 I.2 lead",
        "Trung tâm Truyền \nthông tỉnh Kon \n\nTum, các cơ quan \nbáo chí đóng trên \n\n"
        "địa bàn \n\n",
        "Trung tâm Truyền thông tỉnh Kon Tum, các cơ quan báo chí đóng trên địa bàn",
    ),
    (
        "004 I.2 content",
        "Thông tin kịp thời các chủ trương, chính sách của \nĐảng, Nhà nước về chính sách tín "
        "dụng ưu đãi đối với \nngười nghèo, cận nghèo và các đối tượng chính sách \n\nkhác đến "
        "các tầng lớp nhân dân \n\n",
        "Thông tin kịp thời các chủ trương, chính sách của Đảng, Nhà nước về chính sách tín dụng "
        "ưu đãi đối với người nghèo, cận nghèo và các đối tượng chính sách khác đến các tầng lớp "
        "nhân dân",
    ),
    (
        "004 IV.1.b lead",
        "Sở Tài chính; Ủy \n\nban Mặt trận Tổ \n\nquốc Việt Nam tỉnh, \n\nỦy ban nhân dân \n\n"
        "các huyện, thành \n\nphố \n\n \n\n",
        "Sở Tài chính; Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh, Ủy ban nhân dân các huyện, thành phố",
    ),
    ("004 III.2 timeframe", "Thường \n\nxuyên, hằng \n\nnăm \n\n", "Thường xuyên, hằng năm"),
    (
        "004 V.8 timeframe merged over the page break",
        "Năm 2025 \nvà giai đoạn \n\n2026 -2030 \n\n\n\n(hoàn thành \n\ntrong quý \n\nI/2025) \n\n",
        "Năm 2025 và giai đoạn 2026 -2030 (hoàn thành trong quý I/2025)",
    ),
    (
        "003 prose lines keep their bullets",
        "- Đơn vị chủ trì: UBND cấp xã, Công an cấp xã.\n- Đơn vị phối hợp: Chi nhánh/Phòng "
        "giao dịch Ngân hàng CSXH.\n- Thời gian thực hiện: Thường xuyên, hằng năm.",
        "- Đơn vị chủ trì: UBND cấp xã, Công an cấp xã.\n- Đơn vị phối hợp: Chi nhánh/Phòng "
        "giao dịch Ngân hàng CSXH.\n- Thời gian thực hiện: Thường xuyên, hằng năm.",
    ),
    (
        "'+ ' and '• ' bullets",
        "Gồm:\n+ Sở Tài chính\n• Sở Nội vụ",
        "Gồm:\n+ Sở Tài chính\n• Sở Nội vụ",
    ),
    (
        "tabs, CRLF and spaces",
        " Các sở,  ban\tngành\r\n\r\n  có liên quan ",
        "Các sở, ban ngành có liên quan",
    ),
    (
        "';' at a line end before an uppercase line is a hard break",
        "Sở Tài chính;\nSở Nội vụ",
        "Sở Tài chính;\nSở Nội vụ",
    ),
    (
        "';' at a line end before a lowercase line is soft",
        "Sở Tài chính;\nsở Nội vụ",
        "Sở Tài chính; sở Nội vụ",
    ),
    ("Word vertical tab line break", "Thường xuyên,\vhằng năm", "Thường xuyên, hằng năm"),
    ("decomposed diacritics become NFC", "Thu\u031bo\u031b\u0300ng xuye\u0302n", "Thường xuyên"),
    ("zero-width and soft hyphen removed", "Thường\u200b xuyên\u00ad", "Thường xuyên"),
    ("empty cell", "", ""),
    ("blank cell", " \n\n \t ", ""),
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [case[1:] for case in CLEAN_CASES],
    ids=[case[0] for case in CLEAN_CASES],
)
def test_clean_cell(raw: str, expected: str) -> None:
    assert clean_cell(raw) == expected


@pytest.mark.parametrize("raw", [case[1] for case in CLEAN_CASES], ids=[c[0] for c in CLEAN_CASES])
def test_clean_cell_is_idempotent(raw: str) -> None:
    once = clean_cell(raw)
    assert clean_cell(once) == once


def test_clean_cell_none() -> None:
    assert clean_cell(None) == ""
