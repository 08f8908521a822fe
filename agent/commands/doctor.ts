import { formatDoctorReport, runDoctor } from '../doctor/doctor';
import { EXIT, type AgentCommand } from './command';

export const doctorCommand: AgentCommand = {
  name: 'doctor',
  usage: 'doctor',
  summary: 'check the configuration end to end: DNS, TCP, TLS and CA, bind, rights on each managed OU',
  async run(args, { io, loadConfig }) {
    if (args.length) {
      io.stderr(`usage: resetdesk-agent ${this.usage}\n`);
      return EXIT.USAGE;
    }
    const report = await runDoctor(await loadConfig());
    io.stdout(formatDoctorReport(report));
    return report.ok ? EXIT.OK : EXIT.CHECK_FAILED;
  },
};
