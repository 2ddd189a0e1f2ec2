"""Column roles from real header texts, and the lead / coordinating units of a combined cell."""

import pytest

from tasks.columns import classify_header, split_performers

HEADERS = [
    # the outline number
    ("STT", "stt"),
    ("Số TT", "stt"),
    ("TT", "stt"),
    ("Số thứ tự", "stt"),
    # the task
    ("NỘI DUNG NHIỆM VỤ", "content"),
    ("NỘI DUNG\nNHIỆM VỤ", "content"),
    ("Nội dung", "content"),
    ("Nội dung công việc", "content"),
    ("Nội dung thực hiện", "content"),
    ("Tên nhiệm vụ", "content"),
    ("Tên nhiệm vụ, đề án", "content"),
    ("Nhiệm vụ và giải pháp", "content"),
    ("Nhiệm vụ, giải pháp", "content"),
    # Phụ lục of Quyết định 707/QĐ-TTg (2026): a group column, then one action per row
    ("Nội dung hành động", "content"),
    ("Hành động cụ thể", "content"),
    ("NOI DUNG NHIEM VU", "content"),
    ("NỘI DUNG NHIỆM VU", "content"),
    ("NOI DUMG NHIEM VU", "content"),  # OCR: "m" for "n"
    # the lead unit
    ("ĐƠN VỊ CHỦ TRÌ", "lead"),
    ("Cơ quan chủ trì", "lead"),
    ("Chủ trì", "lead"),
    ("Đơn vị chủ trì thực hiện", "lead"),
    ("ĐƠN VỊ CHỦ\nTRỊ", "lead"),  # OCR: "TRỊ"
    ("ĐƠN VI CHU TRÌ", "lead"),
    ("Don vi chu tri", "lead"),
    # the coordinating units
    ("ĐƠN VỊ PHỐI HỢP", "coordinating"),
    ("Cơ quan phối hợp", "coordinating"),
    ("Phối hợp", "coordinating"),
    ("ĐƠN VỊ PHÓI\nHỢP", "coordinating"),  # OCR: "PHÓI"
    ("ĐƠN VỊ PHÔI HƠP", "coordinating"),
    ("Đơn vị phối hợp thực hiện", "coordinating"),
    # one column for both roles
    ("Cơ quan thực hiện", "both"),
    ("Đơn vị thực hiện", "both"),
    ("Cơ quan, đơn vị thực hiện", "both"),
    ("Trách nhiệm thực hiện", "both"),
    ("Cơ quan chủ trì, phối hợp", "both"),
    ("Chủ trì/Phối hợp", "both"),
    # the product
    ("SẢN PHẨM", "product"),
    ("Kết quả", "product"),
    ("Kết quả dự kiến", "product"),
    ("Sản phẩm đầu ra", "product"),
    ("Hình thức sản phẩm", "product"),
    ("Kết quả/sản phẩm", "product"),
    ("Kết quả dự kiến hoàn thành", "product"),
    # the timeframe
    ("THỜI GIAN THỰC HIỆN", "timeframe"),
    ("THỜI GIAN THƯC HIÊN", "timeframe"),
    ("Thời gian hoàn thành", "timeframe"),
    ("Thời gian dự kiến hoàn thành", "timeframe"),
    ("THỜI HẠN HOÀN THÀNH", "timeframe"),
    ("Thời hạn", "timeframe"),
    ("Tiến độ", "timeframe"),
    ("Tiến độ thực hiện", "timeframe"),
    ("Lộ trình thực hiện", "timeframe"),
    ("THOI\nGIAN\nTHUC\nHIEN", "timeframe"),
    ("Giai đoạn thực hiện", "timeframe"),  # Phụ lục II of Quyết định 382/QĐ-TTg (2025)
    ("Giai đoạn\nthực hiện", "timeframe"),
    ("GIAI ĐOẠN THỰC HIỆN", "timeframe"),
    ("Nhiệm vụ giai đoạn 2026 - 2030", "content"),  # a period named in a content header
    ("Tên nhiệm vụ, đề án, dự án", "content"),
    # Phụ lục I of Quyết định 222/QĐ-TTg (2025): a period of years, "2025 - 2035"
    ("Giai đoạn", "timeframe"),
    ("Nhiệm vụ,\nhoạt động cụ thể", "content"),
    ("Nguồn lực\ndự kiến¹", "extra"),
    # remarks and other columns
    ("Ghi chú", "note"),
    ("GHI CHÚ", "note"),
    ("Nguồn kinh phí", "extra"),
    # Phụ lục I of Nghị quyết 03/NQ-CP (2025): a list of targets, "Đơn vị" = unit of measure
    ("Chỉ tiêu", "content"),
    ("Đơn vị", "extra"),
    ("Cơ quan chủ trì theo dõi, đánh giá", "lead"),
    ("Dự toán", "extra"),
    ("Kinh phí (triệu đồng)", "extra"),
    # not headers at all
    ("", None),
    ("(1)", None),
    ("12", None),
    (None, None),
    ("Sở Tư pháp chủ trì, phối hợp với các sở, ban, ngành và UBND các huyện, thị xã, "
     "thành phố tổ chức thực hiện", None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "role"), HEADERS)
def test_header_role_by_meaning(text, role):
    assert classify_header(text) == role


SPLITS = [
    ("Sở Nội vụ chủ trì, phối hợp với Sở Tư pháp và UBND các xã",
     ("Sở Nội vụ", "Sở Tư pháp và UBND các xã")),
    ("Sở Y tế chủ trì phối hợp các sở, ngành liên quan", ("Sở Y tế", "các sở, ngành liên quan")),
    ("Công an tỉnh chủ trì, phối hợp cùng Bộ Chỉ huy Quân sự tỉnh",
     ("Công an tỉnh", "Bộ Chỉ huy Quân sự tỉnh")),
    ("Sở Tài chính chủ trì; Sở Kế hoạch và Đầu tư phối hợp",
     ("Sở Tài chính", "Sở Kế hoạch và Đầu tư")),
    ("Công an tỉnh chủ trì, các sở ngành phối hợp", ("Công an tỉnh", "các sở ngành")),
    ("Chủ trì: Thanh tra tỉnh; Phối hợp: Công an tỉnh, Sở Tư pháp",
     ("Thanh tra tỉnh", "Công an tỉnh, Sở Tư pháp")),
    ("Chủ trì: Sở Xây dựng\nPhối hợp: UBND các xã", ("Sở Xây dựng", "UBND các xã")),
    ("Đơn vị chủ trì: Sở Nội vụ", ("Sở Nội vụ", "")),
    ("Sở Văn hóa (chủ trì), Sở Du lịch", ("Sở Văn hóa", "Sở Du lịch")),
    ("Sở Văn hóa (chủ trì); Sở Du lịch, Sở Tài chính (phối hợp)",
     ("Sở Văn hóa", "Sở Du lịch, Sở Tài chính")),
    ("Sở Tư pháp chủ trì", ("Sở Tư pháp", "")),
    ("Văn phòng UBND tỉnh", ("Văn phòng UBND tỉnh", "")),
    ("Các sở, ban, ngành; UBND các xã", ("Các sở, ban, ngành; UBND các xã", "")),
    ("SỞ NỘI VỤ CHỦ TRÌ, PHỐI HỢP VỚI SỞ TƯ PHÁP", ("SỞ NỘI VỤ", "SỞ TƯ PHÁP")),
    ("", ("", "")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_combined_cell_splits_into_lead_and_coordinating(text, expected):
    assert split_performers(text) == expected
