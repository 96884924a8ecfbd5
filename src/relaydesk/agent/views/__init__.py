"""Views of the agent interface, one module per area (auth, dashboard, …).

Every view but sign-in is wrapped in `relaydesk.agent.decorators.agent_required`.
"""
