"""Drive a router with pyvyos (run by the venv's python in the test's network
namespace): ``pyvyos_client.py HOST KEY``; prints one JSON line per call with
what pyvyos returned (status, result, error)."""

import json
import sys

from pyvyos import VyDevice

host, key = sys.argv[1], sys.argv[2]
device = VyDevice(hostname=host, apikey=key, port=443, protocol='https', verify=True, timeout=60)
netflow = ['system', 'flow-accounting', 'netflow']
calls = [
    ('set', lambda: device.configure_set(path=[netflow + ['interface', 'eth0'],
                                              netflow + ['interface', 'eth1'],
                                              netflow + ['server', '192.0.2.1', 'port', '2055']])),
    ('delete', lambda: device.configure_delete(path=netflow + ['interface', 'eth1'])),
    ('showConfig', lambda: device.retrieve_show_config(path=netflow)),
    ('showConfig whole', lambda: device.retrieve_show_config()),
    ('returnValues', lambda: device.retrieve_return_values(path=netflow + ['interface'])),
    ('multiple', lambda: device.configure_multiple_op(op_path=[
        {'op': 'delete', 'path': netflow + ['version']},
        {'op': 'set', 'path': netflow + ['version', '10']}])),
    ('bad value', lambda: device.configure_set(path=netflow + ['version', '7'])),
    ('save', lambda: device.config_file_save()),
    ('save file', lambda: device.config_file_save(file='/etc/vyflow/pyvyos.boot')),
    ('show flow-accounting', lambda: device.show(path=['flow-accounting'])),
    ('show commits', lambda: device.show(path=['system', 'commit'])),
    ('reboot', lambda: device.reboot()),
]
for name, function in calls:
    response = function()
    print(json.dumps({'call': name, 'status': response.status, 'result': response.result,
                      'error': response.error}), flush=True)
