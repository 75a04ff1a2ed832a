"""The long-running service (`mailbot run`): scheduling, health and metrics, systemd integration."""
