"""Messages of reporting: the score terms and the reward pool."""

MESSAGES: dict[str, tuple[str, str]] = {
    "reporting.term.timeliness": ("办理时限", "Steps on time"),
    "reporting.term.satisfaction": ("群众满意度", "Satisfaction"),
    "reporting.term.substantiated": ("查实举报（每千名保障对象）", "Substantiated reports per 1,000 recipients"),
    "reporting.pool_unallocated": ("没有地区达到最低分，奖补资金未分配。",
                                   "No region reached the floor: the pool is not allocated."),
}
