"""Every user-visible string lives here as key → (中文, English).

Code refers to keys only; `tests/unit/i18n/test_catalog.py` fails when a key lacks a language or when code
uses a key that is not here.
"""

from __future__ import annotations

LANGS = ("zh", "en")

CORE: dict[str, tuple[str, str]] = {
    # --- shell -----------------------------------------------------------------------------------------------
    "app.name": ("阳光低保", "Sunshine Dibao"),
    "app.tagline": ("最低生活保障 阳光公开 · 群众监督", "Minimum living allowance, in the open, watched by the public"),
    "app.lang_toggle": ("English", "中文"),
    "app.lang_toggle_label": ("切换语言", "Switch language"),
    "app.large_text_on": ("大字模式", "Large text"),
    "app.large_text_off": ("标准字号", "Normal text"),
    "app.home": ("首页", "Home"),
    "app.list_sep": ("、", ", "),
    "app.back_home": ("返回首页", "Back to home"),
    "app.footer": ("本平台由民政部门主办。信息公开，接受群众监督。", "Run by the civil affairs department. Open information, public oversight."),
    "app.hotline": ("民政服务热线 12345", "Civil affairs hotline 12345"),
    "app.loading": ("正在加载……", "Loading…"),
    "app.home_label": ("阳光低保首页", "Sunshine Dibao home"),
    "app.offline": ("网络不好，正在重试……您填的内容还在，网络恢复后会继续。", "Weak connection, retrying… What you entered is kept and goes on once the connection is back."),
    "app.noscript_title": ("这个页面需要开启 JavaScript", "This page needs JavaScript"),
    "app.noscript_body": ("不开 JavaScript 也能用：窗口评价（扫窗口张贴的二维码，打开“/r/窗口编号”页面）。其他事项请在浏览器设置里开启 JavaScript，或打电话办理：",
                          "Without JavaScript you can still rate a service window (scan the QR code at the window: the “/r/<window code>” page). For everything else turn JavaScript on in your browser, or call:"),
    "app.hotline_label": ("民政服务热线", "Civil affairs hotline"),
    "app.complaint_line": ("低保投诉举报电话", "Dibao complaints and reports line"),
    "contact.address": ("地址：{value}", "Address: {value}"),
    "contact.hours": ("办公时间：{value}", "Opening hours: {value}"),
    "contact.call": ("拨打电话", "Call"),
    "contact.handling": ("正在办理的机构", "The office handling it now"),
    "app.not_found": ("页面不存在", "Page not found"),
    # --- the one image intake's refusals (kernel/images.py REJECT_REASONS), used by every photo upload -------
    "image.empty": ("照片是空的，请重新拍照或选择一张照片。", "The photo is empty; take or choose it again."),
    "image.too_large": ("照片太大（超过 10 MB），请重新拍一张或压缩后再上传。", "The photo is too large (over 10 MB); take another or reduce it."),
    "image.not_image": ("这不是一张照片（文件已损坏或不是图片），请上传 JPG、PNG 等图片。", "That is not a picture (damaged, or not an image); upload a JPG, PNG or similar."),
    "image.unsupported_format": ("不支持这种图片格式，请上传 JPG 或 PNG。", "This picture format is not supported; use JPG or PNG."),
    "image.too_many_pixels": ("图片尺寸过大，无法处理，请重新拍照或缩小后再传。", "The picture has too many pixels to process; take a normal photo or shrink it."),
    "image.disk_full": ("服务器存储空间已满，照片没有保存。请稍后再试或拨打热线。", "The server's storage is full; the photo was not saved. Try again later or call the hotline."),
    "image.busy": ("服务器正忙，照片没有保存。请过一分钟再传。", "The server is busy; the photo was not saved. Try again in a minute."),
    "image.quota": ("这个网络地址上传的照片太多，请一小时后再传，或到窗口办理。", "Too many photos from this network address; try again in an hour, or ask at the window."),
    # --- photos chosen on the phone (shell/photos.py, assets/photos.js) ----------------------------------------
    "photo.add": ("拍照或选择照片", "Take or choose a photo"),
    "photo.hint": ("选好就自动上传，手机先把照片缩小（约 300 KB），并清除位置等信息。",
                   "Each photo uploads as soon as you choose it; the phone first makes it smaller (about 300 KB) and removes the location."),
    "photo.photo": ("照片", "Photo"),
    "photo.shrinking": ("正在缩小照片……", "Making the photo smaller…"),
    "photo.uploading": ("正在上传 {pct}%", "Uploading {pct}%"),
    "photo.done": ("已上传", "Uploaded"),
    "photo.failed": ("没有传上去", "Not uploaded"),
    "photo.network": ("网络中断，照片没有传上去。请点“重试”。", "The connection dropped; the photo was not uploaded. Tap Retry."),
    "photo.retry": ("重试", "Retry"),
    "photo.remove": ("删除", "Remove"),
    "photo.too_many": ("照片太多了：这里最多 {n} 张。", "Too many photos: at most {n} here."),
    "photo.wait": ("照片还在上传，传完才能提交。请稍等。", "A photo is still uploading; you can send once it is done. Please wait."),
    "photo.wait_failed": ("有照片没传上去：请点“重试”，或把它删除，然后再提交。",
                          "A photo did not upload: tap Retry or remove it, then send."),
    "photo.region": ("照片", "Photos"),
    # --- limits in front of every request and every heavy job -------------------------------------------------
    "heavy.busy": ("服务器正忙，请过一分钟再试。", "The server is busy; try again in a minute."),
    "request.too_large": ("上传的内容太大，已拒收（照片每张不超过 10 MB，一次少传几张）。", "The upload is too large and was refused (at most 10 MB a photo; send fewer at a time)."),
    "policy.upload.max_per_client_hour": ("同一网络地址每小时最多上传照片数（举报、申请）", "Photos one client address may upload per hour (reports, applications)"),
    "policy.apply.max_drafts_per_client_day": ("同一网络地址 24 小时内最多新建申请草稿数", "New application drafts one client address may start in 24 hours"),
    # --- home ------------------------------------------------------------------------------------------------
    "home.intro": ("您可以在这里自助办理以下事项，无需注册登录。", "No account needed for any of these services."),
    "home.eligibility": ("我能申请低保吗？", "Can I get dibao?"),
    "home.eligibility_desc": ("回答不超过 10 个问题，5 分钟内了解结果", "At most 10 questions, under 5 minutes"),
    "home.apply": ("申请低保", "Apply"),
    "home.apply_desc": ("在手机上填写申请、上传材料", "Fill in the application and upload documents on your phone"),
    "home.track": ("查询办理进度", "Track my application"),
    "home.track_desc": ("用申请编号查看每一步和办理时限", "See every step and its deadline with your application number"),
    "home.roster": ("低保公示", "Public roster"),
    "home.roster_desc": ("查看本村（社区）低保名单，可提出异议", "See who receives dibao in your village and raise an objection"),
    "home.report": ("举报投诉", "Report a problem"),
    "home.report_desc": ("错保、漏保、骗保、关系保，可匿名", "Wrong enrolment, missed families, fraud, favouritism; anonymous is fine"),
    "home.report_track": ("查询举报进度", "Follow my report"),
    "home.report_track_desc": ("凭受理码和密码查看处理情况", "Use your receipt code and secret"),
    "home.rate": ("评价服务窗口", "Rate a service window"),
    "home.rate_desc": ("扫描窗口二维码，或输入窗口编号", "Scan the window's QR code or enter its code"),
    "home.rate_code_label": ("窗口编号", "Window code"),
    "home.rate_code_placeholder": ("例如 HB-SJZ-0001", "e.g. HB-SJZ-0001"),
    "home.rate_go": ("去评价", "Rate it"),
    "home.results": ("评价结果公布", "Published results"),
    "home.results_desc": ("各窗口满意度排名和评议通报", "Satisfaction rankings and evaluation notices"),
    "home.staff_signin": ("工作人员登录", "Staff sign-in"),
    # --- sign-in ---------------------------------------------------------------------------------------------
    "login.title": ("工作人员登录", "Staff sign-in"),
    "login.hint": ("窗口工作人员、监督员、经办人员和管理员使用。群众办事无需登录。",
                   "For window staff, supervisors, officers and administrators. Residents do not need an account."),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.signout": ("退出登录", "Sign out"),
    "login.signed_in_as": ("当前用户", "Signed in as"),
    "auth.bad_credentials": ("用户名或密码不正确，请重新输入。", "Wrong username or password. Please try again."),
    "auth.account_disabled": ("该账号已停用，请联系管理员。", "This account is disabled. Please contact your administrator."),
    "auth.throttled": ("登录失败次数过多，请于 {time} 后再试。", "Too many failed attempts. Please try again after {time}."),
    "auth.malformed": ("请填写用户名和密码。", "Please enter your username and password."),
    "auth.too_large": ("提交的内容过长。", "What was sent is too long."),
    "auth.expired": ("登录已过期，请重新登录。", "Your session has expired. Please sign in again."),
    "auth.sign_in_required": ("请先登录。", "Please sign in first."),
    "name.err_invalid": ("姓名只能由汉字、少数民族文字或字母组成（可含间隔号“·”和空格），不能含数字、符号或不可见字符。",
                         "A name may contain only Chinese characters, letters of a minority script or Latin letters (with "
                         "a middle dot \"·\" or spaces between parts), no digits, symbols or invisible characters."),
    "common.bad_argument": ("请求无效，请刷新页面后重试。", "That request was not valid; please reload the page and try again."),
    "auth.forbidden": ("您没有权限查看此页面或执行此操作。", "You do not have permission to see this page or do this."),
    "auth.bad_origin": ("请求来源不正确。", "The request came from the wrong site."),
    # --- roles -----------------------------------------------------------------------------------------------
    "role.window_staff": ("窗口工作人员", "Window staff"),
    "role.supervisor": ("义务监督员", "Volunteer supervisor"),
    "role.officer": ("民政经办人员", "Civil affairs officer"),
    "role.admin": ("系统管理员", "Administrator"),
    "role.scope": ("管辖范围", "Scope"),
    "staff.home_title": ("窗口工作台", "Window desk"),
    "staff.my_window": ("我的窗口", "My window"),
    "staff.no_window": ("您的账号尚未关联服务窗口，请联系管理员。", "Your account is not linked to a service window. Please contact your administrator."),
    "supervisor.home_title": ("监督员工作台", "Supervisor desk"),
    "supervisor.intro": ("评议轮次开放后，您被分配的评议对象将显示在这里。", "When an evaluation round opens, your assigned targets appear here."),
    "officer.home_title": ("经办人员工作台", "Officer desk"),
    "officer.regions": ("管辖区域", "Regions in my scope"),
    "officer.region_title": ("区域概况", "Region overview"),
    "officer.subregions": ("下级区域", "Sub-regions"),
    "officer.windows": ("服务窗口", "Service windows"),
    "officer.no_windows": ("该区域暂无服务窗口。", "No service windows in this region."),
    "officer.h_region": ("区域", "Region"),
    "officer.h_level": ("层级", "Level"),
    "officer.h_window_code": ("窗口编号", "Window code"),
    "officer.h_window": ("窗口", "Window"),
    "officer.h_office": ("所属单位", "Office"),
    "officer.h_window_state": ("状态", "State"),
    "officer.window_open": ("在用", "In service"),
    "officer.window_closed": ("已停用", "Closed"),
    "officer.region_missing": ("找不到该区域。", "Region not found."),
    "admin.home_title": ("管理后台", "Administration"),
    "admin.regions": ("区域", "Regions"),
    "admin.windows": ("服务窗口", "Service windows"),
    "admin.users": ("账号", "Accounts"),
    "admin.audit": ("操作日志校验", "Audit log check"),
    "admin.audit_ok": ("操作日志完整，共 {n} 条，哈希链校验通过。", "Audit log intact: {n} rows, hash chain verified."),
    "admin.audit_broken": ("操作日志在第 {id} 条处被篡改或缺失！", "Audit log broken at row {id}!"),
    "admin.audit_verify": ("校验操作日志", "Verify audit log"),
    "level.province": ("省", "Province"),
    "level.city": ("市", "City"),
    "level.county": ("县（区）", "County"),
    "level.township": ("乡镇（街道）", "Township"),
    "level.village": ("村（社区）", "Village"),
    "window.code": ("窗口编号", "Window code"),
    "window.office": ("所属单位", "Office"),
    "window.inactive": ("已停用", "Inactive"),
    "window.not_found_title": ("找不到这个窗口", "Window not found"),
    "window.not_found_body": ("窗口编号不存在或已停用。请核对二维码旁的编号，或返回首页。",
                              "This window code does not exist or is no longer in use. Check the code printed by the QR code, or go back home."),
}


def _merge(*parts: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for part in parts:
        clash = merged.keys() & part.keys()
        if clash:
            raise KeyError(f"message keys defined twice: {sorted(clash)}")
        merged.update(part)
    return merged


# One module per domain keeps parallel work from colliding in one file; every key is unique across them.
from portal.ratings import messages as _ratings  # noqa: E402
from portal.roster import messages as _roster  # noqa: E402
from portal.applications import messages as _applications  # noqa: E402
from portal.reports import messages as _reports  # noqa: E402
from portal.evaluations import messages as _evaluations  # noqa: E402
from portal.register import messages as _register  # noqa: E402
from portal.verification import messages as _verification  # noqa: E402
from portal.payments import messages as _payments  # noqa: E402
from portal.reporting import messages as _reporting  # noqa: E402
from portal.supervision import messages as _supervision  # noqa: E402
from portal.workbench import messages as _workbench  # noqa: E402
from portal.accounts import messages as _accounts  # noqa: E402
from portal.regions import messages as _regions  # noqa: E402
from portal.annual import messages as _annual  # noqa: E402

MESSAGES: dict[str, tuple[str, str]] = _merge(
    CORE, _ratings.MESSAGES, _roster.MESSAGES, _applications.MESSAGES, _reports.MESSAGES, _evaluations.MESSAGES,
    _register.MESSAGES, _verification.MESSAGES, _payments.MESSAGES, _reporting.MESSAGES, _supervision.MESSAGES,
    _workbench.MESSAGES, _accounts.MESSAGES, _regions.MESSAGES, _annual.MESSAGES,
)


def text(key: str, lang: str = "zh", **params: object) -> str:
    """Server-side lookup (API responses, PDFs); unknown languages fall back to Chinese."""
    zh, en = MESSAGES[key]
    value = en if lang == "en" else zh
    return value.format(**params) if params else value
