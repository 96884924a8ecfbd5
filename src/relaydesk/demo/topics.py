"""What the demo tickets are about: everyday IT-support requests.

Texts may use the placeholders {floor}, {room} and {model}, which the builder
fills from its seeded random generator; greetings and signatures are added
by the builder too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AttachmentKind = Literal["png", "log"] | None


@dataclass(frozen=True)
class Topic:
    queue: str  # a QueueRow key
    ticket_type: str  # a default TicketType name
    title: str
    body: str  # the customer's first message
    reply: str  # the agent's first answer
    follow_up: str  # the customer's answer to it
    note: str  # an internal note between agents
    attachment: AttachmentKind = None


TOPICS = (
    Topic(
        "desk",
        "Incident",
        "Printer on floor {floor} jams on every job",
        "The big printer next to the kitchen on floor {floor} jams on every print job since "
        "this morning. The display says 'Paper jam in tray 2' although the tray is empty. "
        "I attached a photo of the display.",
        "thanks for the photo. Please try printing from tray 1 until a technician has "
        "looked at tray 2; I have asked our printer vendor to come by.",
        "Tray 1 works, thank you. Do you know when the technician will be here?",
        "Vendor ticket opened, visit planned for Thursday morning. Tray 2 roller worn out.",
        "png",
    ),
    Topic(
        "desk",
        "Incident",
        "Outlook keeps asking for my password",
        "Since I changed my password yesterday, Outlook asks for it every few minutes. "
        "Typing it in helps for a while, then the prompt comes back.",
        "Outlook still has your old password cached. Please open the Windows Credential "
        "Manager, remove the entries starting with 'MicrosoftOffice' and restart Outlook.",
        "That did it, no more prompts so far.",
        "Known issue after password changes with the old Office build; see KB-114.",
    ),
    Topic(
        "desk",
        "Service request",
        "Shared mailbox 'invoices' missing in Outlook",
        "I was told I have access to the shared mailbox invoices@, but it does not show up "
        "in Outlook, neither on my laptop nor in the web version.",
        "your access was granted this morning; Outlook picks up new shared mailboxes "
        "within a few hours. If it is still missing tomorrow, please restart Outlook once.",
        "It appeared after the restart. Thanks!",
        "Permission was set by the mail team at 08:40; auto-mapping takes up to 2 hours.",
    ),
    Topic(
        "desk",
        "Incident",
        "Teams calls drop after a few minutes",
        "Every Teams call I join drops after three to five minutes, both at the office and "
        "at home. Chat works fine.",
        "could you send us the Teams log? Press Ctrl+Alt+Shift+1 in Teams, it saves a "
        "file to your Downloads folder.",
        "Here is the log file from today's call at 10:00.",
        "Log shows the media relay being blocked by the old proxy config on the laptop.",
        "log",
    ),
    Topic(
        "desk",
        "Incident",
        "Excel crashes when opening the quarterly report",
        "Excel closes without a message as soon as I open Q3-report.xlsx from the finance "
        "share. Other workbooks open normally. The crash log is attached.",
        "the workbook contains an old add-in reference. We removed it from the copy on the "
        "share; please try again.",
        "Opens fine now, thank you.",
        "Broken COM add-in 'ReportLink' referenced in the workbook; removed it.",
        "log",
    ),
    Topic(
        "desk",
        "Incident",
        "Cannot print to the colour printer in room {room}",
        "My laptop does not find the colour printer in room {room} any more. The others in "
        "my team can print to it.",
        "the printer got a new address during the network maintenance. Please remove it in "
        "Settings > Printers and add it again; it is listed as COLOR-{room}.",
        "Found it under the new name, printing works.",
        "Printer moved to the new print server on Saturday, old queue removed.",
    ),
    Topic(
        "desk",
        "Service request",
        "Please install Adobe Acrobat Pro",
        "For the new contract workflow I need Adobe Acrobat Pro to fill in and sign PDFs. "
        "My manager has approved it.",
        "we have a licence available. The installation will be pushed to your laptop "
        "tonight; please leave it connected to the network.",
        "It is installed, thanks a lot.",
        "Licence 7 of 20 assigned. Approval by the team lead is in the thread.",
    ),
    Topic(
        "desk",
        "Question",
        "Calendar invitations arrive twice",
        "Every meeting invitation I receive shows up twice in my calendar. Is something "
        "wrong with my account?",
        "this happens when a delegate also accepts invitations for you. Do you have an "
        "assistant with access to your calendar?",
        "Yes, my assistant does. I have removed the delegation, let's see.",
        "Delegate settings were 'send to me and my delegate'. Classic.",
    ),
    Topic(
        "access",
        "Incident",
        "Account locked after password change",
        "After changing my password this morning my account is locked. I cannot log in to "
        "my laptop or the web mail.",
        "your account is unlocked again. It was locked by an old phone still trying the "
        "previous password; please update the password on your phone as well.",
        "Yes, it was my phone. All good now.",
        "Lockout source: the customer's old phone, ActiveSync, 12 failed attempts.",
    ),
    Topic(
        "access",
        "Service request",
        "Access to the finance share",
        "I have moved to the controlling team and need read access to the finance share "
        "(\\\\files\\finance). My new manager is in copy.",
        "we need the share owner's approval; we have asked them and will come back to you.",
        "Thank you, the owner has just confirmed by mail.",
        "Share owner approved. Added to group FIN-READ.",
    ),
    Topic(
        "access",
        "Incident",
        "New phone: authenticator app lost",
        "I got a new phone and the authenticator app did not move over. Now I cannot sign in "
        "because the second factor is missing.",
        "we have reset your second factor. At your next sign-in you will be asked to set up "
        "the app again; please have the new phone at hand.",
        "Set up again, works.",
        "Identity checked by call-back to the number in the HR record before the MFA reset.",
    ),
    Topic(
        "access",
        "Service request",
        "Remove access for a leaver",
        "A colleague from my team leaves us on Friday. Please disable his accounts after his "
        "last working day and forward his mail to me for a month.",
        "we have scheduled the deactivation for Friday 18:00 and the forwarding to you for "
        "30 days.",
        "Perfect, thank you.",
        "Scheduled in the leaver checklist; laptop return is booked with hardware.",
    ),
    Topic(
        "hardware",
        "Incident",
        "Laptop battery drains within an hour",
        "My {model} lasts barely an hour on battery, even when I only write mails. It used "
        "to last a full morning.",
        "the battery report shows 41 % of its design capacity left. We will replace the "
        "battery; please bring the laptop to the IT desk on floor {floor}.",
        "I can come by tomorrow at 9.",
        "Battery cycle count 1,100; replacement battery in stock.",
        "log",
    ),
    Topic(
        "hardware",
        "Incident",
        "Docking station: external monitors stay black",
        "When I connect my laptop to the docking station in room {room}, both external "
        "monitors stay black. Charging and the network work.",
        "please update the docking station firmware: the tool is in the Software Centre "
        "under 'Dock firmware'. Afterwards restart with the laptop docked.",
        "One monitor works now, the second one still stays black.",
        "Second monitor cable is DP-to-HDMI without active adapter. Swap the cable.",
        "png",
    ),
    Topic(
        "hardware",
        "Incident",
        "Several laptop keys not working",
        "On my {model} the keys E, D and C stopped working, probably after a coffee "
        "accident. An external keyboard works.",
        "we will replace the keyboard. You get a loan laptop for the day of the repair.",
        "Thanks, I will use the external keyboard until then.",
        "Liquid damage, not covered by warranty. Cost centre of the customer's team.",
    ),
    Topic(
        "hardware",
        "Service request",
        "Second monitor for desk {room}",
        "Could I get a second monitor for my desk in room {room}? I work with large "
        "spreadsheets all day.",
        "approved; a 27-inch monitor will be delivered to your desk this week.",
        "It arrived, thank you!",
        "Taken from stock, asset tag 20514.",
    ),
    Topic(
        "hardware",
        "Incident",
        "Laptop very slow since the last update",
        "Since the update last Tuesday my {model} is very slow: starting Outlook takes "
        "several minutes and the fan runs all the time. The log from the diagnostics tool "
        "is attached.",
        "the indexing service was stuck after the update. We have reset it remotely; the "
        "laptop should be back to normal after a restart.",
        "Much better after the restart.",
        "Search indexer at 100 % CPU, index rebuilt remotely.",
        "log",
    ),
    Topic(
        "network",
        "Incident",
        "VPN disconnects every 10 minutes",
        "When I work from home, the VPN drops every ten minutes and I have to log in again. "
        "My home internet is otherwise stable. The VPN client log is attached.",
        "the log shows your client renegotiating with an old profile. Please import the new "
        "profile from the intranet page 'Remote access' and connect again.",
        "With the new profile it has been stable for two hours now.",
        "Old profile still had the 600 s rekey from before the gateway change.",
        "log",
    ),
    Topic(
        "network",
        "Incident",
        "Wi-Fi in meeting room {room} is very slow",
        "In meeting room {room} the Wi-Fi is so slow that video calls are impossible. In "
        "the rest of the floor it is fine.",
        "the access point in that room had fallen back to 2.4 GHz only. We restarted it; "
        "please tell us whether it is better.",
        "Better now, the call this morning was fine.",
        "AP-{floor}-07 radio stuck after firmware update; replacement AP ordered anyway.",
    ),
    Topic(
        "network",
        "Incident",
        "Intranet not reachable over VPN",
        "Connected to the VPN from my home office, I can read mail but the intranet does "
        "not load: the browser says the server cannot be found.",
        "the intranet needs our internal DNS. Please disconnect and connect the VPN again; "
        "if it still fails, run 'ipconfig /flushdns' once.",
        "Flushing DNS fixed it.",
        "Split-DNS entry for intranet.acme.internal was missing on the VPN gateway.",
    ),
    Topic(
        "network",
        "Incident",
        "VPN client: 'certificate expired'",
        "The VPN client refuses to connect with the message 'certificate expired'. "
        "A screenshot of the message is attached.",
        "your device certificate expired yesterday. We have issued a new one; connect to "
        "the office network once, or use the link we sent to renew it from home.",
        "Renewed via the link, connected again.",
        "Auto-renewal failed because the laptop was offline for 6 weeks.",
        "png",
    ),
    Topic(
        "network",
        "Question",
        "Guest Wi-Fi for a visitor workshop",
        "Next Wednesday we have eight external visitors for a workshop in room {room}. "
        "How do they get on the guest Wi-Fi?",
        "you can create guest vouchers yourself on the intranet page 'Guest Wi-Fi'; each "
        "voucher is valid for one day.",
        "Great, I have created the vouchers.",
        "Nothing to do for us; pointed to self-service.",
    ),
)

# Short replies agents give when a ticket waits for the customer or is done.
PENDING_TEXTS = (
    "we will check again on the date noted in the ticket; please let us know if anything "
    "changes before then.",
    "we are waiting for the part from our supplier and will get back to you when it arrives.",
)
AUTO_CLOSE_TEXT = (
    "we believe this is solved. If we do not hear from you within a week, the ticket will be "
    "closed automatically."
)
RESOLVED_TEXT = "this should be solved now. Please confirm, or reply if the problem comes back."
CLOSED_TEXT = "we are closing this ticket. Reply to this mail if you need anything else."
DUPLICATE_TEXT = (
    "I sent this earlier already but did not receive a ticket number, so here it is again."
)
PHONE_NOTE = "Called the customer back: explained the next steps, customer agrees."

MODELS = ("ThinkPad T14", "Latitude 5440", "EliteBook 840", "MacBook Air")
ROOMS = ("B1.04", "B2.14", "C3.02", "A0.11", "C1.20")

# A parent ticket with two children, linked parent_of.
ONBOARDING_PARENT = Topic(
    "desk",
    "Service request",
    "Onboarding: three new starters in sales on 1 March",
    "Three new colleagues join our sales team on 1 March. They need laptops, accounts and "
    "access to the CRM. Names and start dates are in the attached list.",
    "we have split this into one ticket for the hardware and one for the accounts; you will "
    "see them linked here.",
    "Great, thanks for the overview.",
    "Parent ticket: close only when both children are done.",
)
ONBOARDING_CHILDREN = (
    Topic(
        "hardware",
        "Service request",
        "Onboarding: three laptops for the new sales starters",
        "Three laptops with the sales image for the new starters.",
        "the laptops are imaged and waiting in the IT room.",
        "Thank you.",
        "Assets 20611-20613 reserved.",
    ),
    Topic(
        "access",
        "Service request",
        "Onboarding: accounts and CRM access for the new sales starters",
        "Accounts, mailboxes and CRM access for the three new starters.",
        "the accounts are created; the starters get their first passwords from their manager.",
        "Thank you.",
        "CRM licences 3 of 5 remaining used.",
    ),
)

# A request that came in by phone, typed in by the agent who took the call.
PHONE_TOPIC = Topic(
    "desk",
    "Incident",
    "Phone call: cannot open any PDF",
    "Customer called: no PDF opens on their laptop since this morning, the viewer closes "
    "immediately. Needs the delivery notes for a customer visit at 14:00.",
    "we have repaired the PDF viewer remotely; PDFs open again.",
    "Confirmed on the phone, works.",
    "Viewer repaired via remote session, took 5 minutes.",
)

# A customer's request about their health: private, hidden from colleagues.
PRIVATE_TOPIC = Topic(
    "desk",
    "Service request",
    "Screen magnifier software for my workstation",
    "Because of an eye condition I need screen magnifier software and a larger monitor. "
    "Please keep this request between me and IT.",
    "of course. We will install the magnifier this week; the monitor is ordered.",
    "Thank you for handling this discreetly.",
    "Private ticket on the customer's request; occupational health is informed by HR.",
)
