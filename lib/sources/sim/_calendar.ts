/**
 * Private calendar adapter: the one place the simulator asks for sessions (lib/time).
 */
export {
  holidayName,
  isEarlyClose,
  isTradingDay,
  nyDate,
  sessionBounds,
  tradingDays,
} from "../../time/mod.ts";
