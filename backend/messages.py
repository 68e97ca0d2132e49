"""User-facing sentences for reason codes, zh_CN first and English second."""
from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # HTTP-level errors.
    "bad_request": ("请求内容有误，请检查后重试。", "The request is not valid; please check it and try again."),
    "not_found": ("没有找到您要的内容。", "What you asked for was not found."),
    "method_not_allowed": ("不支持这种操作方式。", "This method is not allowed here."),
    "payload_too_large": ("提交的内容太大了。", "The request is too large."),
    "too_many_requests": ("操作太频繁了，请稍后再试。", "Too many requests; please try again later."),
    "internal_error": (
        "系统开小差了，您填写的内容已保存，请稍后再试。",
        "Something went wrong on our side; what you entered is kept. Please try again later.",
    ),
    "service_unavailable": ("服务暂时不可用，请稍后再试。", "The service is temporarily unavailable; please retry."),
    "database_unreachable": ("数据库暂时无法连接。", "The database cannot be reached."),
    "database_not_migrated": ("数据库尚未初始化，请先运行升级。", "The database schema is not up to date."),
    "unauthorized": ("请先登录。", "Please sign in first."),
    "invalid_token": ("登录信息无效，请重新登录。", "Your sign-in is not valid; please sign in again."),
    "token_expired": ("登录已过期，请重新登录。", "Your sign-in has expired; please sign in again."),
    # Domain refusals (lib/errors.py).
    "filing_not_found": ("没有找到这个备案，或者您无权查看。", "No such filing, or you may not see it."),
    "not_allowed": ("您没有为这位家人办理的授权。", "You are not authorised to act for this person."),
    "change_lock": (
        "按参保地规定，这个备案在{lock_until}之前不能变更或取消。",
        "Under the insured area's rules this filing cannot be changed or cancelled before {lock_until}.",
    ),
    "filing_not_active": ("这个备案已经不是有效状态，不能再变更或取消。", "This filing is no longer active."),
    "stale_turn": (
        "这一步已经处理过了（可能点了两次），请看最新的问题。",
        "This step was already handled (perhaps a double tap); please answer the latest question.",
    ),
    "identity_required": ("请先绑定本人医保身份。", "Please bind your insured identity first."),
    "unknown_area": ("没有找到这个地区。", "Unknown area."),
    "invalid_input": ("请求内容有误：{fields}", "The request is not valid: {fields}"),
    "invalid_search": ("查询条件有误（{field}）：{reason}", "Invalid search ({field}): {reason}"),
    "institution_not_found": ("没有找到这家机构。", "No such institution."),
    "unknown_disease": ("没听明白是哪种病（{word}）。可以说：{examples}。", "Unknown disease ({word}). Try: {examples}."),
    "choice_not_required": (
        "您的参保地不要求选定医院，备案地所有联网机构都可以直接结算。",
        "Your insured area does not require a choice: every networked institution of the filed area settles.",
    ),
    "invalid_choice": ("选择的机构不符合参保地规定：{reasons}", "The chosen institutions break the area's rule: {reasons}"),
    # WeChat channels (official-account chat, mini-program sign-in, notifications).
    "wechat_welcome": (
        "欢迎回来！我是异地就医备案助手。\n可以直接打字告诉我，比如：\n1 办异地就医备案\n2 找能直接结算的医院\n3 慢性病能不能直接结算\n"
        "回复「大字」可以换成长辈模式。",
        "Welcome back! I help with cross-provincial medical filing. Just type, e.g.:\n1 file for care elsewhere\n"
        "2 find a hospital that settles directly\n3 check a chronic disease\nReply \"大字\" for large-text mode.",
    ),
    "wechat_welcome_unbound": (
        "您好！我是异地就医备案助手，能帮您办异地就医备案、找能直接结算的医院、查慢性病能不能直接结算。\n"
        "直接打字告诉我您想办什么就行，比如“我想办异地就医备案”。第一次用时我会先在这里问您的姓名、参保地和身份证号，确认身份。",
        "Hello! I help with cross-provincial medical filing, hospitals that settle directly and chronic diseases.\n"
        "Just type what you need, e.g. \"I want to file for care in another city\". The first time, I will ask your name, "
        "insured city and ID number here to confirm who you are.",
    ),
    "wechat_unsupported": (
        "抱歉，我暂时看不懂图片和文件。请直接打字告诉我，比如「我想办异地就医备案」。",
        "Sorry, I cannot read pictures or files yet. Please type, e.g. \"I want to file for care elsewhere\".",
    ),
    # A photo sent to the official account (services/wechat/wechat_images.py): kept as the paper being asked for.
    "wechat_image_not_waiting": (
        "收到图片了，不过现在没有要交材料的备案。要办事请直接打字告诉我，比如「我想办异地就医备案」。",
        "Got the picture, but no filing is waiting for a paper now. To get something done, type it, e.g. "
        "“I want to file for care elsewhere”.",
    ),
    "wechat_image_received": ("收到了“{material}”的照片，已经存好。", "Got the photo of the {material}; it is kept."),
    "wechat_image_still_missing": (
        "还差：{missing}。请接着拍照发过来，一次发一份。",
        "Still missing: {missing}. Please send a photo of each, one at a time.",
    ),
    "wechat_image_complete_filing": (
        "材料齐了，工作人员会接着审核（一般2至3个工作日），结果会通知您。",
        "That is every paper; staff will review them (usually 2 to 3 working days) and tell you the result.",
    ),
    "wechat_image_complete_draft": (
        "材料齐了。请接着回答上面的问题，把备案办完。",
        "That is every paper. Please answer the question above to finish the filing.",
    ),
    "wechat_image_fetch_failed": (
        "这张图片没有收到，请再发一次。",
        "The picture did not come through; please send it again.",
    ),
    "wechat_voice_unclear": (
        "没听清您说的话，请再说一遍，或者直接打字告诉我。",
        "I could not make out the voice message; please say it again or type it.",
    ),
    "wechat_busy": ("刚才的消息还在处理，请稍等再发。", "Your previous message is still being handled; please wait."),
    "wechat_error": (
        "系统开小差了，请过一会儿再发一次。您之前填的内容都保存着。",
        "Something went wrong on our side; please send it again in a while. What you entered is kept.",
    ),
    "wechat_empty_reply": ("好的。", "OK."),
    "wechat_see_mini_program": ("……内容较多，完整内容请在小程序里查看。", "… more in the mini-program."),
    "invalid_login_code": ("登录凭证无效或已过期，请重新打开小程序。", "The sign-in code is invalid or expired; reopen the mini-program."),
    "invalid_phone_code": ("获取手机号失败，请重新点一下授权手机号。", "Could not get the phone number; please tap to authorise it again."),
    "wechat_unavailable": ("微信服务暂时连不上，请稍后再试。", "WeChat cannot be reached right now; please try again later."),
    "binding_mismatch": (
        "姓名、身份证号和参保地对不上，请核对后再试。如果确认无误，请带身份证到参保地医保窗口办理。",
        "The name, ID number and insured area do not match; check them, or visit your insured area's counter.",
    ),
    "already_bound": (
        "这个身份已经绑定过了。如果不是您本人操作，请带身份证到医保窗口处理。",
        "This identity is already bound. If it was not you, please visit a medical insurance counter.",
    ),
    "invalid_binding": ("绑定信息有误（{reason}），请检查身份证号和参保地。", "Invalid binding data ({reason})."),
    "notify_filing_approved": (
        "您的异地就医备案（编号 {reference}）审核通过了。到备案地已联网的医院看病，可以直接刷医保结算。",
        "Your filing {reference} is approved: networked hospitals of the filed area settle directly.",
    ),
    "notify_filing_rejected": (
        "您的异地就医备案（编号 {reference}）没有通过。原因和下一步怎么办，请在小程序「我的备案」里查看。",
        "Your filing {reference} was not approved. See why and what to do in the mini-program (My filings).",
    ),
    "notify_filing_rejected_because": (
        "您的异地就医备案（编号 {reference}）没有通过。{reason}",
        "Your filing {reference} was not approved. {reason}",
    ),
    "notify_filing_info_requested": (
        "您的异地就医备案（编号 {reference}）需要您补充情况。{reason}",
        "Your filing {reference} needs more from you. {reason}",
    ),
    "notify_staff_note": ("工作人员留言：{note}", "A note from the staff: {note}"),
    "notify_filing_other": (
        "您的异地就医备案（编号 {reference}）有新进展：{status}。请在小程序「我的备案」里查看。",
        "Your filing {reference} has news: {status}. See My filings in the mini-program.",
    ),
    "notify_handoff_delivered": (
        "您的备案（编号 {reference}）已经同步到结算系统，去医院看病可以直接结算了。",
        "Your filing {reference} has reached the settlement system: visits now settle directly.",
    ),
    "notify_handoff_updated": (
        "您的备案（编号 {reference}）的变更（比如新选的医院）已经同步到结算系统，以后看病按新的内容直接结算。",
        "The change to your filing {reference} (for example the hospitals you chose) has reached the settlement "
        "system: visits now settle under it.",
    ),
    "notify_handoff_failed": (
        "您的备案（编号 {reference}）暂时没能同步到结算系统，工作人员会继续处理。着急看病的话，请先打参保地医保热线。",
        "Your filing {reference} could not reach the settlement system yet; staff will follow up. "
        "If you need care urgently, call your insured area's hotline.",
    ),
    # Family accounts, profile and H5 pages (services/filing/family.py, services/filing/profile.py, pages/).
    "family_invalid_relation": ("请选择你们的关系。", "Please choose your relation."),
    "family_invalid_id_number": ("身份证号不对，请核对后重新输入。", "The ID number is not valid; please check it."),
    "family_member_not_found": (
        "没有找到这位参保人，请核对姓名和身份证号。",
        "No insured person with this name and ID number; please check them.",
    ),
    "family_cannot_invite_self": ("不能邀请自己。", "You cannot invite yourself."),
    "family_too_many_attempts": ("添加家人的次数太多了，请过一个小时再试。",
                                 "Too many attempts to add a relative; please try again in an hour."),
    "family_already_member": ("这位家人已经授权您代办了。", "This relative has already authorised you."),
    "family_full": ("最多只能添加{limit}位家人。", "You can add at most {limit} relatives."),
    "family_invitation_invalid": (
        "邀请码不对或已过期。请让家人重新发一个邀请码。",
        "The invitation code is wrong or has expired; ask your relative for a new one.",
    ),
    "family_link_not_found": ("没有找到这条亲情关系。", "No such family link."),
    "family_proof_note_required": ("请写明查验了什么证明材料。", "Please note which proof was checked."),
    "invalid_phone": ("手机号应为11位数字，以1开头。", "The mobile number must be 11 digits starting with 1."),
    "form_expired": (
        "页面停留太久或已在别处打开，请再点一次提交（您填的内容还在）。",
        "This page is out of date; please submit again (what you entered is kept).",
    ),
    "sign_in_required": ("请先登录。", "Please sign in first."),
    # Staff console (console/, services/console/review.py, policy_admin.py, staff_accounts.py, review_family.py).
    "staff_login_failed": ("用户名、密码或动态验证码不对，请重试。", "Wrong username, password or one-time code."),
    "staff_session_expired": ("登录已超时，请重新登录。", "Your session has ended; please sign in again."),
    "staff_forbidden": ("您的角色或负责的统筹区不允许这样操作。", "Your role or areas do not allow this."),
    "staff_account_invalid": ("账号信息有误。", "The account details are not valid."),
    "staff_username_invalid": (
        "用户名只能用小写字母、数字和 . _ -，3–64位（{username}）。",
        "A username is 3-64 lower-case letters, digits, '.', '_' or '-' ({username}).",
    ),
    "staff_password_too_short": ("密码至少{minimum}位。", "The password needs at least {minimum} characters."),
    "staff_role_invalid": ("角色 {role} 不存在，可选：{roles}。", "Unknown role {role}; choose one of {roles}."),
    "staff_areas_invalid": ("这些不是统筹区代码：{areas}。", "Not co-ordination area codes: {areas}."),
    "staff_areas_required": ("{role} 需要至少一个统筹区。", "A {role} needs at least one area."),
    "staff_username_taken": ("用户名 {username} 已存在。", "The username {username} is taken."),
    "staff_not_found": ("没有账号 {username}。", "No account {username}."),
    "review_already_decided": (
        "这个案件已由 {decided_by} 于 {decided_at} 处理（{status}），您的决定没有保存。",
        "{decided_by} already decided this case at {decided_at} ({status}); your decision was not saved.",
    ),
    "review_decision_invalid": ("请选择决定和理由。", "Please choose a decision and a reason."),
    "review_reason_invalid": ("所选理由与决定不一致，请重新选择。", "The reason does not belong to this decision."),
    "review_note_required": ("这个理由需要填写补充说明。", "This reason needs a note to the person."),
    "review_not_bulk_eligible": (
        "除材料外还有其他未通过的检查，不能批量批准，请逐件审核。",
        "Other checks failed besides the documents: decide this case on its own.",
    ),
    "review_decided": ("已处理 {reference}（{status}），已通知申请人。", "{reference} decided ({status}); the person is notified."),
    "review_bulk_done": ("批量批准 {approved} 件，跳过 {skipped} 件。", "Approved {approved}; skipped {skipped}."),
    "policy_invalid": ("规则未保存：{problems}", "The rules were not saved: {problems}"),
    "policy_import_invalid": ("文件未导入：{problems}", "The file was not imported: {problems}"),
    "policy_import_no_file": ("请选择要导入的 YAML 文件。", "Please choose a YAML file to import."),
    "policy_form_errors": ("请修改标出的内容。", "Please correct the marked entries."),
    "policy_saved": ("已保存 {area} 自 {effective_from} 起生效的新版本。", "Saved the version of {area} from {effective_from}."),
    "policy_imported": ("已导入 {accepted} 个版本。", "Imported {accepted} versions."),
    "policy_version_not_found": ("没有这个规则版本。", "No such version of the rules."),
    "proof_document_invalid": ("请选择查验的证明。", "Please choose the proof you checked."),
    "proof_recorded": ("已登记关系证明，代办人现在可以为家人办理。", "Proof recorded; the agent may now act for the member."),
    # Documents (services/filing/documents.py, lib/uploads.py): what a person reads when a paper is refused.
    "document_too_large": (
        "文件太大了（最大{limit_mb}MB）。请重新拍一张照片，或者把PDF拆小一点再传。",
        "The file is too large (at most {limit_mb} MB). Please take the photo again, or send a smaller PDF.",
    ),
    "document_empty": ("没有收到文件内容，请重新选择照片或文件。", "The file was empty; please choose the photo or file again."),
    "document_type": (
        "只能上传照片（JPG、PNG、WebP）或PDF文件，这个文件不是。请拍一张照片再传。",
        "Only photos (JPG, PNG, WebP) or PDF files can be sent, and this file is neither. Please send a photo.",
    ),
    "document_heic": (
        "这张照片是苹果手机的HEIC格式，暂时打不开。请在相机设置里选“兼容性最佳”后重拍，或者截个图再传。",
        "This photo is in Apple's HEIC format, which we cannot open yet. Set the camera to “Most Compatible” "
        "and take it again, or send a screenshot of it.",
    ),
    "document_too_many_pixels": (
        "这张图片太大了，打不开。请用手机正常拍一张照片再传。",
        "This picture is too large to open. Please take an ordinary phone photo and send that.",
    ),
    "document_unreadable": (
        "这个文件打不开，可能已经损坏。请重新拍一张照片再传。",
        "This file cannot be opened; it may be damaged. Please take the photo again and send it.",
    ),
    "document_pdf_locked": (
        "这个PDF设置了密码，打不开。请上传没有密码的PDF，或者拍照上传。",
        "This PDF is password-protected. Please send one without a password, or a photo.",
    ),
    "document_pdf_pages": (
        "这个PDF有{pages}页，最多只能{limit}页。请只上传需要的那几页。",
        "This PDF has {pages} pages; at most {limit} are accepted. Please send only the pages needed.",
    ),
    "document_material_unknown": (
        "这类备案不需要这种材料。请按页面上列出的材料上传。",
        "This filing does not need this kind of paper. Please send the papers listed for it.",
    ),
    "document_filing_closed": (
        "这个备案已经审核完了，不能再上传材料。",
        "This filing has already been decided; papers can no longer be added.",
    ),
    "document_no_draft": (
        "现在没有正在办理的备案。请先说您要办备案，问到材料时再上传。",
        "No filing is being prepared now. Say you want to file first, and send the papers when asked.",
    ),
    "document_not_found": ("没有找到这份材料，或者您无权查看。", "No such paper, or you may not see it."),
    "document_already_reviewed": (
        "工作人员已经看过这份材料，不能再删除了。如果传错了，请再传一份正确的。",
        "Staff have already looked at this paper, so it can no longer be deleted. If it was wrong, send the right one.",
    ),
    "document_gone": (
        "这份材料已按规定在审核结束后删除了。",
        "This paper was deleted after the decision, as the rules require.",
    ),
    "document_store_unavailable": (
        "材料暂时存不进去，请过一会儿再传。您填写的其他内容都还在。",
        "The paper cannot be stored right now; please send it again in a while. Everything else you entered is kept.",
    ),
    "document_verdict_saved": ("已记录：{material} 第{page}份 {verdict}。", "Saved: {material}, paper {page}: {verdict}."),
    "document_verdict_invalid": ("请选择这份材料的审核结果。", "Please choose a verdict for this paper."),
    "paper_requested": (
        "已请申请人重新上传“{material}”，案件离开队列，等对方上传后会回到队列。",
        "The person was asked for a new “{material}”; the case leaves the queue and comes back when they send it.",
    ),
    "paper_request_invalid": (
        "请选择要补的材料，并写明原因（申请人会看到）。",
        "Choose the paper to ask for and write the reason (the person reads it).",
    ),
    # Settlement (estimate, readiness, hand-off).
    "invalid_estimate": ("费用估算的内容有误（{field}），请检查后重试。", "The estimate request is not valid ({field})."),
    "invalid_amount": ("金额填写有误（{field}）：请填写 0 到 1 亿元之间、最多两位小数的数字。",
                       "The amount {field} is not valid: use a number from 0 to 100,000,000 with at most two "
                       "decimals."),
    "no_policy": ("没有找到参保地{area}的报销政策，请在 policy 里填写起付线、比例和年度限额。",
                  "No reimbursement policy for insured area {area}; give deductible, ratio and cap in policy."),
    "settlement_unavailable": ("结算服务暂时连不上，请稍后再试；您的备案不受影响。",
                               "The settlement service is unavailable right now; please try again later. "
                               "Your filing is not affected."),
    "settlement_rejected": ("结算服务没有接受这次请求。", "The settlement service refused the request."),
    "idempotency_key_reused": ("这个幂等键已用于另一个备案版本（{reference} 第{version}版被拒绝）。",
                               "The idempotency key was already used by another filing version "
                               "({reference} v{version} refused)."),
}


def text(code: str, lang: str = "zh_CN", **params) -> str:
    """Return the sentence for a reason code in the given language, with its parameters filled in."""
    zh, en = MESSAGES.get(code, MESSAGES["bad_request"])
    template = en if lang.startswith("en") else zh
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
