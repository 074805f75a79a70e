"""The one way an office's contact is shown to residents: name, address, opening hours and a tap-to-call number."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.shell.i18n import t, t_fmt


class ContactRow(TypedDict):
    office: str
    address: str
    phone: str
    tel: str  # "tel:…" or ""
    hours: str


def contact_row(contact) -> ContactRow:
    """From a `regions.services.OfficeContact` (or None: an empty row)."""
    if contact is None:
        return ContactRow(office="", address="", phone="", tel="", hours="")
    return ContactRow(office=contact.office, address=contact.address, phone=contact.phone, tel=contact.tel,
                      hours=contact.hours)


def office_card(row, *extra: rx.Component, **props) -> rx.Component:
    """`row` is a ContactRow var (or a TypedDict var with the same keys); `extra` lines follow the office's name.
    Lines without a value are left out; the number is a real `tel:` link."""
    return rx.card(
        rx.text(row["office"], weight="bold"),
        *extra,
        rx.cond(row["address"] != "", rx.text(t_fmt("contact.address", value=row["address"]), size="2",
                                              class_name="contact-address")),
        rx.cond(row["hours"] != "", rx.text(t_fmt("contact.hours", value=row["hours"]), size="2",
                                            class_name="contact-hours")),
        rx.cond(row["tel"] != "", rx.el.a(t("contact.call"), " ", row["phone"], href=row["tel"],
                                          class_name="tel-link contact-call")),
        width="100%", **props,
    )
