"""Vietnamese first, English for visitors: the console's words and babel's formatting
(dd/mm/yyyy, 1.234,5)."""
import datetime as dt

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LANGUAGES = ("vi", "en")
LOCALES = {"vi": "vi_VN", "en": "en_GB"}
TIMEZONE = "Asia/Ho_Chi_Minh"

# key -> (Vietnamese, English)
WORDS = {
    "app": ("Bảng điều hành xã", "Commune console"),
    "sign_in": ("Đăng nhập", "Sign in"), "sign_out": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"), "password": ("Mật khẩu", "Password"),
    "wrong_login": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "locked": ("Tài khoản đã bị khóa sau nhiều lần nhập sai. Liên hệ quản trị viên.",
               "The account is locked after repeated failures. Ask an administrator."),
    "commune": ("Xã", "Commune"), "switch": ("Chuyển", "Switch"),
    "ioc": ("Trung tâm điều hành (IOC)", "Operations centre (IOC)"),
    "kpi": ("Chỉ tiêu (KPI)", "KPI board"), "tasks": ("Nhiệm vụ", "Tasks"),
    "trace": ("Truy xuất nguồn gốc", "Traceability"), "kiosk": ("Trợ lý ảo", "Assistant"),
    "reports": ("Báo cáo", "Reports"), "accounts": ("Tài khoản", "Accounts"),
    "province_board": ("Bảng tỉnh", "Province board"),
    "forbidden": ("Bạn không có quyền xem trang này.", "You may not see this page."),
    "error": ("Đã có lỗi. Mã lỗi:", "Something failed. Error id:"),
    "live": ("Trực tiếp", "Live"), "alerts": ("Cảnh báo", "Alerts"),
    "status": ("Trạng thái", "Status"), "severity": ("Mức độ", "Severity"),
    "rule": ("Quy tắc", "Rule"), "location": ("Địa điểm", "Location"),
    "all": ("Tất cả", "All"), "filter": ("Lọc", "Filter"), "note": ("Ghi chú", "Note"),
    "acknowledge": ("Xác nhận", "Acknowledge"), "resolve": ("Đã xử lý", "Resolve"),
    "false_positive": ("Báo nhầm", "False positive"), "count": ("Số lần", "Count"),
    "last_seen": ("Lần cuối", "Last seen"), "title": ("Nội dung", "Title"),
    "actions": ("Thao tác", "Actions"), "silences": ("Tạm ngưng cảnh báo", "Silences"),
    "reason": ("Lý do", "Reason"), "starts": ("Bắt đầu", "Starts"), "ends": ("Kết thúc", "Ends"),
    "create": ("Tạo", "Create"), "end_now": ("Kết thúc ngay", "End now"),
    "map": ("Bản đồ điểm camera", "Map of cameras"), "devices": ("Thiết bị", "Devices"),
    "quiet": ("bình thường", "quiet"), "silent": ("thiết bị mất tín hiệu", "device silent"),
    "outline": ("Ranh giới xã gần đúng (suy ra từ các điểm camera, không phải bản đồ địa chính)",
                "Approximate commune boundary (drawn around the camera sites, not surveyed)"),
    "stats": ("Thống kê xử lý", "Handling figures"),
    "mtta": ("Thời gian xác nhận TB", "Mean time to acknowledge"),
    "mttr": ("Thời gian xử lý TB", "Mean time to resolve"),
    "fp_per_camera": ("Báo nhầm theo camera", "False positives per camera"),
    "no_alerts": ("Không có cảnh báo.", "No alerts."),
    "ALERT_STATUS_OPEN": ("Mới", "Open"), "ALERT_STATUS_ACKNOWLEDGED": ("Đã xác nhận",
                                                                         "Acknowledged"),
    "ALERT_STATUS_ESCALATED": ("Đã chuyển cấp", "Escalated"),
    "ALERT_STATUS_RESOLVED": ("Đã xử lý", "Resolved"),
    "ALERT_SEVERITY_LOW": ("Thấp", "Low"), "ALERT_SEVERITY_MEDIUM": ("Trung bình", "Medium"),
    "ALERT_SEVERITY_HIGH": ("Cao", "High"), "ALERT_SEVERITY_CRITICAL": ("Khẩn cấp", "Critical"),
    "period": ("Kỳ", "Period"), "indicator": ("Chỉ tiêu", "Indicator"),
    "value": ("Giá trị", "Value"), "numerator": ("Tử số", "Numerator"),
    "denominator": ("Mẫu số", "Denominator"), "target": ("Mục tiêu", "Target"),
    "trend": ("Xu hướng", "Trend"), "source_document": ("Văn bản nguồn", "Source document"),
    "KPI_STATUS_MET": ("Đạt", "Met"), "KPI_STATUS_AT_RISK": ("Có nguy cơ", "At risk"),
    "KPI_STATUS_MISSED": ("Không đạt", "Missed"), "KPI_STATUS_NO_DATA": ("Chưa có số liệu",
                                                                         "No data"),
    "KPI_STATUS_NO_TARGET": ("Chưa đặt mục tiêu", "No target"),
    "legend": ("Chú giải", "Legend"), "enter_figure": ("Nhập số liệu", "Enter a figure"),
    "save": ("Lưu", "Save"), "submit": ("Trình duyệt", "Submit"), "approve": ("Phê duyệt",
                                                                              "Approve"),
    "return": ("Trả lại", "Return"), "history": ("Lịch sử số liệu", "Figure history"),
    "trend_table": ("Bảng số liệu theo quý", "The figures by quarter"),
    "revisions": ("Các lần nhập, trình, duyệt", "Entered, submitted, approved"),
    "figure_entered": ("Đã nhập", "Entered"), "figure_submitted": ("Đã trình", "Submitted"),
    "figure_approved": ("Đã duyệt", "Approved"),
    "drafts": ("Số liệu chờ duyệt", "Figures awaiting approval"),
    "saved": ("Đã lưu.", "Saved."), "unit": ("Đơn vị", "Unit"),
    "by_village": ("Theo thôn, bản", "By village"),
    "village_note": ("Màu theo mục tiêu của xã.", "Colours against the commune's target."),
    "commune_line_note": ("Dòng của xã là số liệu xã nhập; chưa có thì là tổng các thôn, "
                          "bản.", "The commune's line is its own figure, else the sum of "
                                  "its villages'."),
    "no_villages": ("Xã chưa có thôn, bản trong danh mục.",
                    "The commune has no villages in the directory."),
    "progress": ("Tiến độ", "Progress"), "deadline": ("Hạn", "Deadline"),
    "overdue": ("Quá hạn", "Overdue"), "lead_unit": ("Đơn vị chủ trì", "Lead unit"),
    "compliance": ("Cập nhật hằng tháng", "Monthly updates"),
    "report_progress": ("Báo cáo tiến độ", "Report progress"),
    "evidence": ("Minh chứng", "Evidence"), "review": ("Rà soát quý", "Quarterly review"),
    "decision": ("Quyết định", "Decision"), "keep": ("Giữ nguyên", "Keep"),
    "adjust": ("Điều chỉnh hạn", "Adjust deadline"), "stop": ("Dừng", "Stop"),
    "replace": ("Thay thế", "Replace"), "flag": ("Lý do rà soát", "Flagged for"),
    "TASK_STATUS_DRAFT": ("Dự thảo", "Draft"), "TASK_STATUS_ASSIGNED": ("Đã giao", "Assigned"),
    "TASK_STATUS_IN_PROGRESS": ("Đang thực hiện", "In progress"),
    "TASK_STATUS_DONE": ("Hoàn thành", "Done"), "TASK_STATUS_PAUSED": ("Tạm dừng", "Paused"),
    "TASK_STATUS_STOPPED": ("Dừng", "Stopped"), "TASK_STATUS_REPLACED": ("Đã thay thế",
                                                                         "Replaced"),
    "export_excel": ("Xuất Excel", "Export to Excel"),
    "import_excel": ("Nhập từ Excel", "Import from Excel"),
    "excel_file": ("Tệp Excel (.xlsx)", "Excel file (.xlsx)"),
    "import_hint": ("Mỗi dòng một nhiệm vụ dưới hàng tiêu đề (Mã, Nhiệm vụ, Đơn vị chủ trì, "
                    "Người phụ trách, Thời hạn…), như tệp Xuất Excel. Mã mới: nhiệm vụ mới; "
                    "mã đã có: cập nhật. Có dòng lỗi thì không lưu dòng nào.",
                    "One task per row under a header row (Mã, Nhiệm vụ, Đơn vị chủ trì, "
                    "Người phụ trách, Thời hạn…), as the export writes it. A new code is a "
                    "new task, a known code updates it. If a row is wrong, no row is stored."),
    "import_result": ("Kết quả nhập Excel", "Excel import"),
    "import_done": ("Đã nhập toàn bộ tệp.", "The whole file was imported."),
    "import_refused": ("Tệp có dòng lỗi nên chưa lưu dòng nào. Sửa các dòng bị từ chối rồi "
                       "tải lên lại.", "Some rows are wrong, so no row was stored. Correct "
                       "the rejected rows and upload the file again."),
    "import_partial": ("Nhập dừng giữa chừng: các dòng Tạo mới / Cập nhật đã lưu, các dòng "
                       "Chưa lưu thì chưa.", "The import stopped part way: the created and "
                       "updated rows were stored, the rows not stored were not."),
    "ignored_columns": ("Các cột chỉ để xem, không nhập:", "Columns for reading only, not "
                                                            "imported:"),
    "row": ("Dòng", "Row"), "code": ("Mã", "Code"), "outcome": ("Kết quả", "Outcome"),
    "created": ("Tạo mới", "Created"), "updated": ("Cập nhật", "Updated"),
    "unchanged": ("Không đổi", "Unchanged"), "rejected": ("Bị từ chối", "Rejected"),
    "not_stored": ("Chưa lưu", "Not stored"),
    "no_file": ("Chưa chọn tệp Excel (.xlsx).", "No Excel file (.xlsx) chosen."),
    "file_too_large": ("Tệp lớn hơn 4 MB: một kế hoạch nhiệm vụ chỉ vài trăm kB.",
                       "The file is larger than 4 MB: a task plan takes a few hundred kB."),
    "back_to_tasks": ("Về bảng nhiệm vụ", "Back to the task board"),
    "form_too_large": ("Dữ liệu gửi lên lớn hơn 5 MB.", "What was sent is larger than 5 MB."),
    "slow": ("Chậm so với thời gian", "Behind schedule"),
    "no_deliverable": ("Chưa xác định sản phẩm", "No deliverable"),
    "new_deadline": ("Hạn mới", "New deadline"), "new_code": ("Mã nhiệm vụ mới",
                                                              "New task code"),
    "new_title": ("Tên nhiệm vụ mới", "New task title"),
    "products": ("Sản phẩm", "Products"), "product_name": ("Tên sản phẩm", "Product"),
    "batches": ("Lô hàng", "Batches"),
    "chain": ("Chuỗi sự kiện", "Event chain"),
    "intact": ("Chuỗi nguyên vẹn", "Chain intact"), "broken": ("Chuỗi bị sửa", "Chain broken"),
    "labels": ("In tem QR", "Print QR labels"), "copies": ("Số tem", "Copies"),
    "record_step": ("Ghi bước", "Record a step"), "step": ("Bước", "Step"),
    "where": ("Nơi", "Where"),
    "ask": ("Hỏi", "Ask"), "question": ("Câu hỏi của bạn", "Your question"),
    "kiosk_intro": (
        "Hỏi về thủ tục hành chính của xã. Trợ lý trả lời từ cơ sở dữ liệu thủ tục.",
        "Ask about the commune's administrative procedures."),
    "handoff": ("Gặp cán bộ", "Ask an officer"),
    "kiosk_wait": ("Bạn đã hỏi nhiều lần liên tiếp. Xin chờ {n} giây rồi hỏi lại.",
                   "You have asked many times in a row. Please wait {n} seconds and ask "
                   "again."),
    "desk": ("Bàn tiếp dân", "Assistant desk"),
    "citizen_question": ("Câu hỏi của người dân", "Citizen's question"),
    "claim": ("Nhận xử lý", "Take"),
    "reply": ("Trả lời", "Reply"), "close": ("Đóng", "Close"),
    "handoff_open": ("Chờ nhận", "Open"), "handoff_claimed": ("Đang xử lý", "Taken"),
    "handoff_answered": ("Đã trả lời", "Answered"), "handoff_closed": ("Đã đóng", "Closed"),
    "trail": ("Nhật ký trả lời của trợ lý", "The assistant's answers"),
    "trail_day": ("Ngày (giờ UTC)", "Day (UTC)"), "language": ("Ngôn ngữ", "Language"),
    "lang_vi": ("Tiếng Việt", "Vietnamese"), "lang_hmn": ("Tiếng Mông", "Hmong"),
    "lang_tai": ("Tiếng Thái", "Thái"), "time": ("Thời gian", "Time"),
    "answer": ("Câu trả lời", "Answer"), "declined": ("Từ chối trả lời", "Declined"),
    "sources": ("Nguồn trích dẫn", "Sources cited"), "confidence": ("Độ tin cậy",
                                                                   "Confidence"),
    "handed_off": ("Chuyển cán bộ", "Handed to an officer"),
    # the parts of a procedure an answer cites (services/assistant/languages.py INTENTS)
    "field_documents": ("Hồ sơ", "Documents"), "field_fee": ("Lệ phí", "Fee"),
    "field_processing_time": ("Thời hạn giải quyết", "Processing time"),
    "field_where": ("Nơi nộp", "Where to submit"),
    "field_online_level": ("Mức dịch vụ trực tuyến", "Online level"),
    "field_legal_basis": ("Căn cứ pháp lý", "Legal basis"),
    "answers_count": ("câu trả lời", "answers"), "next_page": ("Trang sau", "Next page"),
    "first_page": ("Trang đầu", "First page"),
    "no_answers": ("Không có câu trả lời nào.", "No answers."),
    "report_form": ("Báo cáo quý gửi tỉnh", "Quarterly report to the province"),
    "year": ("Năm", "Year"), "quarter": ("Quý", "Quarter"), "format": ("Định dạng", "Format"),
    "download": ("Tải về", "Download"),
    "name": ("Họ tên", "Name"), "role": ("Vai trò", "Role"), "scope": ("Phạm vi", "Scope"),
    "new_account": ("Tạo tài khoản", "New account"),
    "reset_password": ("Đặt lại mật khẩu", "Reset password"),
    "locked_short": ("Đã khóa", "Locked"), "none": ("—", "—"),
}


def word(lang: str, key: str) -> str:
    pair = WORDS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def number(lang: str, value, digits: int = 2) -> str:
    if value is None:
        return "—"
    return format_decimal(round(float(value), digits), locale=LOCALES[lang])


def date(lang: str, value) -> str:
    """dd/mm/yyyy (an ISO date or datetime string, or a date)."""
    if not value:
        return "—"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value \
            else dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return format_datetime(value, "dd/MM/yyyy HH:mm", tzinfo=TIMEZONE,
                               locale=LOCALES[lang])
    return format_date(value, "dd/MM/yyyy", locale=LOCALES[lang])
