"""Messages of the regions domain: importing a province's region tree and service windows, and the pre-flight
check a real site runs before it serves."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "regions.err_empty_file": ("文件是空的。", "The file is empty."),
    "regions.err_unreadable": ("文件无法读取：请另存为 CSV（UTF-8 或 GBK）后再导入。",
                               "The file cannot be read: save it as CSV (UTF-8 or GBK) and import it again."),
    "regions.err_missing_columns": ("缺少列：{value}。", "Missing columns: {value}."),
    "regions.err_too_many_rows": ("行数超过 {value}，请分文件导入。", "More than {value} lines; split the file."),
    "regions.err_region_code": ("区划代码应为 2–20 位数字：{value}", "A region code is 2–20 digits: {value}"),
    "regions.err_window_code": ("窗口编号只能包含字母、数字和“-”，最长 32 位：{value}",
                                "A window code has letters, digits and '-' only, at most 32: {value}"),
    "regions.err_duplicate": ("编号在文件中重复：{value}", "This code appears twice in the file: {value}"),
    "regions.err_name": ("名称不能为空，也不能过长：{value}", "The name is empty or too long: {value}"),
    "regions.err_level": ("层级应为省、市、县、乡镇（街道）或村（社区）：{value}",
                          "The level must be province, city, county, township or village: {value}"),
    "regions.err_province_parent": ("省级区划没有上级代码：{value}", "A province has no parent code: {value}"),
    "regions.err_parent_missing": ("缺少上级代码。", "The parent code is missing."),
    "regions.err_code_prefix": ("区划代码应以上级代码开头（代码 / 上级代码）：{value}",
                                "A region code begins with its parent's code (code / parent): {value}"),
    "regions.err_parent_unknown": ("找不到这个区划（文件和系统中都没有）：{value}",
                                   "No such region, in the file or in the portal: {value}"),
    "regions.err_parent_level": ("上级区划应正好高一级：{value}", "The parent must be exactly one level up: {value}"),
    "regions.err_region_differs": ("系统中已有此代码，但名称、层级或上级不同；导入不会修改已有区划：{value}",
                                   "The portal holds this code with another name, level or parent; an import never "
                                   "changes a region: {value}"),
    "regions.err_window_differs": ("系统中已有此窗口编号，但名称、机构或区划不同；导入不会修改已有窗口：{value}",
                                   "The portal holds this window code with another name, office or region; an "
                                   "import never changes a window: {value}"),
    "regions.err_too_long": ("内容过长（最多 {value} 个字）。", "Too long (at most {value} characters)."),
    "regions.err_phone": ("电话号码只能包含数字、空格、“-”和括号：{value}",
                          "A telephone number has digits, spaces, '-' and brackets only: {value}"),
    "regions.import_nothing": ("未导入任何内容：请修改以上各行后重新导入。",
                               "Nothing imported: correct the lines above and import again."),
    "regions.import_done": ("区划：新增 {regions_added}，已有 {regions_unchanged}；窗口：新增 {windows_added}，"
                            "更新联系方式 {windows_updated}，已有 {windows_unchanged}。",
                            "Regions: {regions_added} added, {regions_unchanged} already there; windows: "
                            "{windows_added} added, {windows_updated} with new contact details, {windows_unchanged} "
                            "already there."),
    # python -m portal preflight: what stops a real site from serving
    "preflight.ok": ("检查通过：可以正式上线。", "All checks passed: ready to serve residents."),
    "preflight.failed": ("有 {n} 项未通过，门户不会启动。", "{n} checks failed; the portal will not start."),
    "preflight.base_url_https": ("PUBLIC_BASE_URL 必须是 https:// 开头的正式网址（现在是 {url}）。",
                                 "PUBLIC_BASE_URL must be the site's https:// address (it is {url})."),
    "preflight.base_url_private": ("PUBLIC_BASE_URL 是本机或内网地址，居民手机打不开：{url}",
                                   "PUBLIC_BASE_URL is this machine or a private network, which residents' phones "
                                   "cannot open: {url}"),
    "preflight.local_posters": ("正式环境不要设置 PORTAL_ALLOW_LOCAL_POSTER_URL。",
                                "Do not set PORTAL_ALLOW_LOCAL_POSTER_URL on a real site."),
    "preflight.demo_accounts": ("数据库中有演示账号（{names}）：请停用或删除后再上线。",
                                "The database holds demo accounts ({names}): disable or remove them first."),
    "preflight.demo_data": ("数据库中有演示数据（演示窗口或 DEMO- 开头的在册家庭）：正式环境请使用新的数据库。",
                            "The database holds demo data (demo windows or DEMO- households): a real site starts "
                            "from a fresh database."),
    "preflight.no_trusted_proxies": ("PUBLIC_BASE_URL 是 https 地址，说明前面有反向代理：请把它的地址写入 "
                                     "PORTAL_TRUSTED_PROXIES，否则所有居民会被当作同一个地址限流。",
                                     "PUBLIC_BASE_URL is https, so a reverse proxy is in front: put its address in "
                                     "PORTAL_TRUSTED_PROXIES, or every resident shares one address for the limits."),
    "preflight.no_regions": ("还没有区划：先运行 python -m portal regions import regions.csv windows.csv。",
                             "No regions yet: run python -m portal regions import regions.csv windows.csv first."),
    "preflight.no_admin": ("还没有可用的省级管理员：先运行 "
                           "python -m portal create-user --role admin --region <省代码> …",
                           "No active province admin yet: run python -m portal create-user --role admin "
                           "--region <province code> … first."),
}
