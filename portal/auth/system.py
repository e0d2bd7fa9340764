"""The actor for commands an operator runs on the server itself (`flask create-user`, the
demo loader). Shell access to the server already implies full control, so it passes every
permission check; the audit log still names it."""


class SystemActor:
    id = None
    username = "system"
    display_name = "系统（命令行）"
    is_authenticated = True
    is_active = True

    def has_role(self, role, organization=None) -> bool:
        return True

    def organizations_for(self, role):
        return []


SYSTEM = SystemActor()
